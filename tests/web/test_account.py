"""Accounts as a customer uses them: register, activate, sign in, marketing choice, close."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command

from pledge.accounts.models import ConsentRecord, Profile, User
from pledge.accounts.services import MARKETING
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Kaori Sato",
    "email": "kaori@example.jp",
    "postal_address": "1 Piccadilly, London W1J 0DA",
    "phone": "020 7000 0000",
    "password": "a long passphrase for tests",
}


def _register(client, **extra):
    return client.post("/account/register/", {**FORM, **extra}, secure=True)


def _activate(client) -> None:
    link = re.search(r"https://\S+/account/activate/\S+/", mail.outbox[-1].body)[0]
    path = link.split("testserver", 1)[1]
    assert client.post(path, secure=True).status_code == 302


def _signed_in(client, **extra):
    _register(client, **extra)
    _activate(client)
    client.post(
        "/account/sign-in/", {"email": FORM["email"], "password": FORM["password"]}, secure=True
    )
    return client


@pytest.mark.clause("JC10")
def test_registering_with_the_box_unticked_records_no_consent(client):
    _register(client)
    (record,) = ConsentRecord.objects.all()
    assert record.purpose == MARKETING and record.given is False
    assert record.form == "registration" and len(record.notice_id) == 64


@pytest.mark.clause("JC10")
def test_the_marketing_box_is_unticked_by_default(client):
    page = client.get("/account/register/", secure=True).content.decode()
    box = re.search(r"<input[^>]*name=\"marketing\"[^>]*>", page)[0]
    assert "checked" not in box


@pytest.mark.clause("JC10")
def test_registering_with_the_box_ticked_records_consent_with_the_notice_shown(client):
    _register(client, marketing="on")
    record = ConsentRecord.objects.get()
    assert record.given is True
    assert record.notice.html.startswith("<article")


@pytest.mark.clause("JC6")
def test_registration_keeps_the_details_encrypted_and_sends_an_activation_link(client):
    response = _register(client)
    assert response["Location"] == "/account/check-email/"
    user = User.objects.get(email_index=email_index("kaori@example.jp"))
    assert not user.is_active
    profile = Profile.objects.get(subject=user.subject)
    assert profile.postal_address.reveal(purpose="service") == FORM["postal_address"]
    assert mail.outbox[-1].to == ["kaori@example.jp"]


def test_a_duplicate_registration_reveals_nothing_and_tells_the_owner(client):
    first = _register(client)
    second = _register(client, name="Someone Else")
    assert first["Location"] == second["Location"] == "/account/check-email/"
    assert User.objects.count() == 1
    assert "already has one" in mail.outbox[-1].body


def test_an_activation_link_works_once(client):
    _register(client)
    link = re.search(r"/account/activate/\S+/", mail.outbox[-1].body)[0]
    assert client.post(link, secure=True).status_code == 302
    assert client.get(link, secure=True).status_code == 400


@pytest.mark.clause("JC13")
def test_unticking_marketing_on_the_account_page_stops_it_at_once(client):
    _signed_in(client, marketing="on")
    call_command("marketing", "list")  # the customer is on the list now
    page = client.get("/account/", secure=True)
    data = {k: v for k, v in page.context["form"].initial.items() if k != "marketing"}
    client.post("/account/", data, secure=True)
    latest = ConsentRecord.objects.order_by("-at").first()
    assert latest.given is False and latest.form == "account"
    from pledge.accounts.selectors import marketing_audience

    assert list(marketing_audience()) == []


@pytest.mark.clause("JC9")
def test_the_marketing_list_holds_only_consenting_customers(client, capsys):
    _signed_in(client, marketing="on")
    from django.test import Client

    _signed_in(Client(), email="hiro@example.jp")
    call_command("marketing", "list")
    out = capsys.readouterr().out
    assert "kaori@example.jp" in out and "hiro@example.jp" not in out


def test_sign_in_with_a_wrong_password_is_refused_without_saying_which_part(client):
    _register(client)
    _activate(client)
    page = client.post(
        "/account/sign-in/", {"email": FORM["email"], "password": "nope"}, secure=True
    ).content.decode()
    assert "do not match an account" in page


@pytest.mark.clause("AL12")
def test_closing_the_account_erases_it_and_shows_the_outcome_per_category(client):
    _signed_in(client)
    subject_id = User.objects.get().subject_id
    page = client.post("/account/close/", {"confirm": "on"}, secure=True).content.decode()
    assert "Your account is closed" in page
    assert "Your account" in page and "erased" in page
    assert not User.objects.exists() and not Profile.objects.exists()
    assert Subject.objects.get(pk=subject_id).email_index is None


def test_password_reset_sends_a_one_time_link_to_the_address_on_the_account(client):
    _signed_in(client)
    client.post("/account/sign-out/", secure=True)
    client.post("/account/password-reset/", {"email": FORM["email"]}, secure=True)
    link = re.search(r"/account/password-reset/\S+/\S+/", mail.outbox[-1].body)[0]
    client.post(link, {"password": "another long passphrase"}, secure=True)
    assert client.get(link, secure=True).status_code == 400
    assert (
        client.post(
            "/account/sign-in/",
            {"email": FORM["email"], "password": "another long passphrase"},
            secure=True,
        ).status_code
        == 302
    )


def test_unknown_addresses_get_the_same_answer_at_password_reset(client):
    response = client.post("/account/password-reset/", {"email": "nobody@example.jp"}, secure=True)
    assert response["Location"] == "/account/check-email/"
    assert mail.outbox == []


@pytest.mark.clause("JC3")
def test_every_form_posts_to_the_same_https_origin(client):
    for path in ("/account/register/", "/account/sign-in/", "/account/password-reset/"):
        page = client.get(path, secure=True).content.decode()
        actions = re.findall(r"<form[^>]*action=\"([^\"]*)\"", page)
        assert all(a.startswith("/") for a in actions), (path, actions)
