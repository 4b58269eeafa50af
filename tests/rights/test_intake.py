"""Requests on the japan-centre site: ask, confirm by the one-time link, get the answer."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core import mail
from django.test import Client

from pledge.accounts.models import ConsentRecord, Profile, User
from pledge.accounts.selectors import marketing_audience
from pledge.audit.models import AuditEvent
from pledge.audit.selectors import audit_verify
from pledge.retention.holds import hold_place
from pledge.rights.models import RightsRequest, Status
from pledge.rights.services import request_open
from pledge.shop.models import Order
from tests.rights.conftest import ADDRESS, EMAIL, LETTER, NAME, link_in
from tests.vaultcases.models import Dossier

pytestmark = pytest.mark.django_db


def _ask(client: Client, kind: str, email: str = EMAIL):
    return client.post("/rights/", {"email": email, "kind": kind}, secure=True)


def _confirmed(client: Client, kind: str):
    """Ask, then follow the emailed link and press the button on the page it opens."""
    _ask(client, kind)
    path = link_in(mail.outbox[-1])
    assert client.get(path, secure=True).status_code == 200
    return client.post(path, secure=True)


@pytest.mark.clause("JC1", "JC14")
def test_the_contact_page_leads_to_the_requests_page(client):
    page = client.get("/contact/", secure=True).content.decode()
    assert 'href="/rights/"' in page
    form = client.get("/rights/", secure=True).content.decode()
    assert 'name="email"' in form and 'value="erasure"' in form and 'value="objection"' in form


@pytest.mark.clause("JC1")
def test_known_and_unknown_addresses_get_the_same_answer_on_the_page(client, customer):
    # given one address we hold data under and one we do not
    # when each asks for a copy of their data
    known = _ask(client, "access", customer.email)
    unknown = _ask(client, "access", "stranger@example.org")
    # then the site answers both alike, so it tells no visitor whose address is known
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/rights/sent/"
    # and only the known address gets a link; the other is told nothing is held under it
    to_known, to_unknown = mail.outbox
    assert to_known.to == [customer.email] and "/rights/verify/" in to_known.body
    assert to_unknown.to == ["stranger@example.org"] and "/rights/verify/" not in to_unknown.body
    assert "we hold nothing under it" in to_unknown.body
    assert RightsRequest.objects.count() == 1


def test_a_request_is_not_acted_on_until_its_link_is_followed(client, customer):
    _ask(client, "erasure")
    request = RightsRequest.objects.get()
    assert request.status == Status.UNVERIFIED and request.due_at is None
    assert Profile.objects.filter(subject=customer.subject).exists()


def test_the_address_is_kept_nowhere_but_in_the_link(client, customer):
    _ask(client, "access")
    row = RightsRequest.objects.filter(pk=RightsRequest.objects.get().pk).values().get()
    assert not any("kaori" in str(value).lower() for value in row.values())
    assert "kaori" not in json.dumps(list(AuditEvent.objects.values("rule", "detail")))


def test_a_link_works_once(client, customer):
    _ask(client, "objection")
    path = link_in(mail.outbox[-1])
    assert client.post(path, secure=True).status_code == 200
    again = client.post(path, secure=True)
    assert again.status_code == 400 and "used already" in again.content.decode()
    assert client.get(path, secure=True).status_code == 400
    refused = AuditEvent.objects.filter(action="rights.link_refused")
    assert [e.detail["why"] for e in refused] == ["used"]  # the POST; a GET changes nothing


def test_an_expired_link_is_refused_and_the_request_lapses(client, customer):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=4)
    opened = request_open(email=EMAIL, kind="erasure", now=long_ago)
    path = f"/rights/verify/{opened.request.pk}/{opened.token}/"
    refused = client.post(path, secure=True)
    assert refused.status_code == 400 and "expired" in refused.content.decode()
    assert RightsRequest.objects.get().status == Status.LAPSED
    assert Profile.objects.filter(subject=customer.subject).exists()


def test_an_altered_or_foreign_link_opens_nothing(client, customer):
    first = request_open(email=EMAIL, kind="access")
    second = request_open(email=EMAIL, kind="access")
    swapped = f"/rights/verify/{first.request.pk}/{second.token}/"
    altered = f"/rights/verify/{first.request.pk}/{first.token[:-2]}AA/"
    for path in (swapped, altered):
        answer = client.post(path, secure=True)
        assert answer.status_code == 400 and "not one we sent" in answer.content.decode()
    assert RightsRequest.objects.filter(status=Status.OPEN).count() == 0


@pytest.mark.clause("JC1")
def test_a_copy_of_everything_held_downloads_in_the_browser_that_confirmed(client, customer):
    # given a customer with an account, an order, a letter and a marketing choice
    # when they ask for a copy, confirm by the link, and download it
    confirmed = _confirmed(client, "access")
    assert confirmed.status_code == 302
    page = client.get(confirmed["Location"], secure=True).content.decode()
    assert "Download my data" in page
    request = RightsRequest.objects.get()
    response = client.get(f"/rights/{request.pk}/download/", secure=True)
    # then the zip holds the readable page and the JSON, with their data decrypted
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["README.txt", "data.json", "index.html"]
    data = json.loads(archive.read("data.json"))
    html = archive.read("index.html").decode()
    categories = {c["id"]: c for c in data["categories"]}
    account = categories["user.account"]["holders"][0]["records"][0]
    assert (account["name"], account["email"], account["postal_address"]) == (
        NAME,
        EMAIL,
        ADDRESS,
    )
    orders = categories["user.behavior.purchase_history"]["holders"]
    assert orders[0]["records"][0]["reference"] == customer.order.reference
    assert orders[0]["records"][0]["delivery_name"] == NAME
    letters = categories["user.correspondence"]["holders"]
    assert any(r.get("body") == LETTER for h in letters for r in h["records"])
    assert NAME in html and customer.order.reference in html and LETTER.split(".")[0] in html
    # and consents come with their history as ISO/IEC TS 27560 records
    assert data["consents"][0]["schema"] == "ISO/IEC TS 27560:2023"
    assert data["consents"][0]["state"] == "given"
    # and the audit events about them, and the request itself, are there
    actions = {e["action"] for e in data["audit_events"]}
    assert {"account.registered", "order.placed", "rights.verified"} <= actions
    assert [r["reference"] for r in data["requests"]] == [request.reference]
    # and what cannot be linked to them is said to exist, not left out
    assert "Your basket" in {u["name"] for u in data["held_unlinked"]}
    # and the request is answered, and recorded as such
    request.refresh_from_db()
    assert request.status == Status.DONE
    assert AuditEvent.objects.filter(action="rights.access_answered", subject=customer.subject.pk)


def test_another_browser_cannot_open_the_download(client, customer):
    _confirmed(client, "access")
    request = RightsRequest.objects.get()
    assert Client().get(f"/rights/{request.pk}/download/", secure=True).status_code == 404


@pytest.mark.clause("JC1", "AL12")
def test_erasure_is_answered_per_category_on_the_page_and_by_email(client, customer):
    # given a customer with an account, an order and a letter
    # when they ask for erasure and confirm it
    response = _confirmed(client, "erasure")
    # then their details and letter are erased, and the order kept under the tax rule
    page = response.content.decode()
    assert "Your data is erased" in page
    assert not Profile.objects.filter(subject=customer.subject).exists()
    assert not Dossier.objects.filter(subject=customer.subject).exists()
    assert not User.objects.filter(subject=customer.subject).exists()
    assert Order.objects.filter(pk=customer.order.pk).exists()
    # and the email says, per category, what happened and the rule for what was kept
    answer = mail.outbox[-1]
    assert answer.to == [EMAIL] and "Your request R-" in answer.subject
    assert "- Your account: erased (1 record)" in answer.body
    assert "- Your orders: kept until" in answer.body
    assert "UK company and tax law require accounting records" in answer.body
    assert "kept until" in page and "UK company and tax law" in page
    assert RightsRequest.objects.get().status == Status.DONE
    assert audit_verify().ok


def test_an_erasure_during_a_legal_hold_is_answered_with_the_hold(client, customer):
    until = dt.datetime(2031, 1, 31, 12, tzinfo=dt.UTC)
    hold_place(
        reason="preserved for proceedings in claim KB-2026-0042",
        expires_at=until,
        subject=customer.subject.pk,
        reference="KB-2026-0042",
    )
    _confirmed(client, "erasure")
    answer = mail.outbox[-1].body
    assert "- Your account: kept until 31 January 2031 under a legal hold: preserved for " in answer
    assert Profile.objects.filter(subject=customer.subject).exists()
    assert Dossier.objects.filter(subject=customer.subject).exists()


@pytest.mark.clause("JC13")
def test_an_objection_withdraws_marketing_consent_at_once(client, customer):
    assert [p.subject_id for p in marketing_audience()] == [customer.subject.pk]
    page = _confirmed(client, "objection").content.decode()
    assert "Your consent is withdrawn" in page
    assert list(marketing_audience()) == []
    latest = ConsentRecord.objects.order_by("-at").first()
    assert latest.given is False and latest.form == "rights-request"
    assert "no longer on our marketing list" in mail.outbox[-1].body


def test_a_correction_goes_through_the_account_service(client, customer):
    redirect = _confirmed(client, "rectification")
    form_page = client.get(redirect["Location"], secure=True)
    assert form_page.context["form"].initial["postal_address"] == ADDRESS
    data = {**form_page.context["form"].initial, "postal_address": "2 Regent St, London"}
    data["marketing"] = "on"
    done = client.post(redirect["Location"], data, secure=True)
    assert "Your details are corrected" in done.content.decode()
    profile = Profile.objects.get(subject=customer.subject)
    assert profile.postal_address.reveal(purpose="service") == "2 Regent St, London"
    assert AuditEvent.objects.filter(action="account.updated", subject=customer.subject.pk)
    event = AuditEvent.objects.get(action="rights.rectified")
    assert event.detail == {"fields": ["postal_address"]}
    assert "your postal address" in mail.outbox[-1].body
    # the form page is spent with the request
    assert client.get(redirect["Location"], secure=True).status_code == 404


def test_a_card_number_is_refused_in_a_correction(client, customer):
    redirect = _confirmed(client, "rectification")
    form_page = client.get(redirect["Location"], secure=True)
    data = {**form_page.context["form"].initial, "postal_address": "4111 1111 1111 1111"}
    refused = client.post(redirect["Location"], data, secure=True)
    assert "payment card number" in refused.content.decode()
    assert RightsRequest.objects.get().status == Status.OPEN
