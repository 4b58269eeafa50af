"""Orders taken by email (AL8): the operator enters them in the admin; identities sealed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from pledge.audit.models import AuditEvent
from pledge.shop.models import Channel, Order, OrderStatus
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject

pytestmark = pytest.mark.django_db


def _operator(client, django_user_model, *codenames: str):
    user = django_user_model.objects.create_user(
        "staff@alps-printer.jp", "a staff passphrase 1", is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    client.cookies["operator"] = client.cookies.pop("basket").value
    return user


FORM = {
    "customer_email": "Kaori@Example.jp",
    "customer_name": "Kaori Sato",
    "customer_address": "1-2-3 Umeda, Kita-ku, Osaka",
    "customer_phone": "",
    "placed_at_0": "2024-05-01",
    "placed_at_1": "10:00:00",
    "shipping_country": "jp",
    "postage_method": "Yamato",
    "postage": "800",
    "payment_method": "paypal",
    "currency": "JPY",
    "lines-TOTAL_FORMS": "2",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "1",
    "lines-MAX_NUM_FORMS": "1000",
    "lines-0-product_name": "Toner cartridge TN-243",
    "lines-0-quantity": "2",
    "lines-0-unit_price": "6000",
    "lines-1-product_name": "Drum unit DR-241",
    "lines-1-quantity": "1",
    "lines-1-unit_price": "9500",
}


@pytest.mark.clause("AL8")
def test_the_operator_enters_an_order_taken_by_email(client, django_user_model, alps):
    # given an operator allowed to add and view orders
    _operator(client, django_user_model, "add_order", "view_order", "change_order")
    assert "customer_email" in client.get("/operator/shop/order/add/", secure=True).content.decode()
    # when they enter the order Kaori sent by email
    response = client.post("/operator/shop/order/add/", FORM, secure=True)
    # then it is an email order of hers, totals computed, business columns in clear
    assert response.status_code == 302, response.content.decode()[:3000]
    order = Order.objects.get()
    assert order.channel == Channel.EMAIL and order.status == OrderStatus.AWAITING_PAYMENT
    assert order.reference.startswith("AL-")
    assert order.subject == Subject.objects.get(email_index=email_index("kaori@example.jp"))
    assert (order.subtotal, order.postage, order.total) == (
        Decimal("21500"),
        Decimal("800"),
        Decimal("22300"),
    )
    assert (order.shipping_country, order.postage_method, order.currency) == ("JP", "Yamato", "JPY")
    assert order.lines.count() == 2
    # and her details are sealed under her key, nowhere in clear
    assert order.delivery_name.reveal(purpose="orders") == "Kaori Sato"
    assert order.email.reveal(purpose="orders") == "Kaori@Example.jp"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM shop_order")
        assert b"Kaori" not in repr(cursor.fetchall()).encode()
    event = AuditEvent.objects.get(action="order.placed")
    assert event.subject == order.subject_id and event.detail["channel"] == "email"


@pytest.mark.clause("JC5")
def test_a_card_number_typed_into_an_order_is_refused(client, django_user_model, alps):
    _operator(client, django_user_model, "add_order", "view_order")
    form = {**FORM, "customer_address": "Pay with 4111 1111 1111 1111"}
    response = client.post("/operator/shop/order/add/", form, secure=True)
    assert response.status_code == 200 and "card number" in response.content.decode()
    assert not Order.objects.exists()


def test_orders_and_payments_cannot_be_deleted_in_the_admin(client, django_user_model, alps):
    from tests.shop.conftest import email_order

    order = email_order()
    _operator(client, django_user_model, "view_order", "delete_order", "change_order")
    response = client.get(f"/operator/shop/order/{order.pk}/delete/", secure=True)
    assert response.status_code == 403
