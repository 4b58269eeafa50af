"""Shopping as a visitor does: catalogue, basket in the session, checkout by bank transfer."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from pledge.shop.catalogue import catalogue_seed_demo
from pledge.shop.models import Order, OrderStatus
from pledge.web.forms import CARD_REFUSED

pytestmark = pytest.mark.django_db

CHECKOUT = {
    "name": "Kaori Sato",
    "email": "kaori@example.jp",
    "phone": "",
    "address": "1 Piccadilly, London W1J 0DA",
    "country": "GB",
    "payment_method": "bank-transfer",
}


@pytest.fixture(autouse=True)
def catalogue():
    catalogue_seed_demo(printing=False)


def _add(client, slug="koshihikari-rice-2kg", quantity=2):
    return client.post(f"/shop/{slug}/add/", {"quantity": quantity}, secure=True)


def test_the_catalogue_lists_products_by_aisle(client):
    page = client.get("/shop/?section=Tea+%26+drinks", secure=True).content.decode()
    assert "Uji Matcha 30g" in page and "Koshihikari" not in page


@pytest.mark.clause("JC11")
def test_the_basket_lives_in_the_session_behind_one_browser_session_cookie(client):
    response = _add(client)
    assert list(response.cookies) == ["basket"]
    cookie = response.cookies["basket"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    page = client.get("/basket/", secure=True).content.decode()
    assert "Koshihikari Rice 2kg" in page and "£25.90" in page


@pytest.mark.clause("JC11")
def test_a_form_page_sets_only_the_basket_cookie(client):
    response = client.get("/account/register/", secure=True)
    assert list(response.cookies) == ["basket"]


def test_checkout_by_bank_transfer_places_an_order_with_a_reference(client):
    _add(client)
    response = client.post("/checkout/", CHECKOUT, secure=True)
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.reference}/"
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert (str(order.subtotal), str(order.postage), str(order.total)) == ("25.90", "4.95", "30.85")
    assert order.postage_method == "Royal Mail Tracked 48"
    page = client.get(response["Location"], secure=True).content.decode()
    assert order.reference in page and "quoting" in page
    assert client.get("/basket/", secure=True).context["lines"] == []


def test_an_order_page_is_visible_only_to_the_session_that_placed_it(client, settings):
    _add(client)
    client.post("/checkout/", CHECKOUT, secure=True)
    reference = Order.objects.get().reference
    from django.test import Client

    assert Client().get(f"/orders/{reference}/", secure=True).status_code == 404


@pytest.mark.clause("JC5")
def test_a_card_number_in_any_field_is_refused_with_the_reason_and_input_kept(client):
    _add(client)
    data = {**CHECKOUT, "address": "Flat 2, card 4111 1111 1111 1111, London"}
    response = client.post("/checkout/", data, secure=True)
    assert response.status_code == 200
    assert CARD_REFUSED in response.content.decode()
    assert response.context["form"]["name"].value() == "Kaori Sato"
    assert not Order.objects.exists()


@pytest.mark.clause("JC5")
def test_a_jan_barcode_is_not_taken_for_a_card_number(client):
    _add(client)
    data = {**CHECKOUT, "address": "Please pack item JAN 4901234567894 separately, London"}
    client.post("/checkout/", data, secure=True)
    assert Order.objects.count() == 1


@pytest.mark.clause("JC5")
def test_no_page_renders_a_card_field(client):
    _add(client)
    page = client.get("/checkout/", secure=True).content.decode().lower()
    for marker in ("cc-number", "card number", "cardnumber", "cvv", "cvc"):
        assert marker not in page


def test_the_order_keeps_personal_details_only_encrypted(client):
    _add(client)
    client.post("/checkout/", CHECKOUT, secure=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM shop_order")
        stored = repr(cursor.fetchall())
    assert "Kaori" not in stored and "Piccadilly" not in stored
    assert "GB" in stored and "30.85" in stored


def test_hosted_payment_page_is_reached_by_redirect_and_marks_the_order_paid(client, settings):
    settings.PAYMENT_PROVIDER = "test"
    _add(client)
    response = client.post(
        "/checkout/", {**CHECKOUT, "payment_method": "hosted-card-page"}, secure=True
    )
    assert response.status_code == 302 and response["Location"].startswith("/payment/")
    client.post(response["Location"], {"decision": "approve"}, secure=True)
    assert Order.objects.get().status == OrderStatus.PAID


def test_first_run_seeds_the_catalogue_only_once(db):
    assert catalogue_seed_demo(printing=False) == 0


def test_marketing_list_command_runs(capsys):
    call_command("marketing", "list")
    assert capsys.readouterr().out.splitlines()[0] == "name,email"
