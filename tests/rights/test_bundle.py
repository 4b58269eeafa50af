"""The access bundle: every holder in the datamap, found generically, opened for the person."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from pledge.disclosures.models import Disclosure
from pledge.rights.bundle import bundle_build, bundle_data
from pledge.rights.collect import subject_collect
from pledge.vault.purposes import SUBJECT_ACCESS
from tests.rights.conftest import make_customer
from tests.vaultcases.models import Dossier, LedgerEntry, PeriodNote

pytestmark = pytest.mark.django_db


def _by_id(data):
    return {c["id"]: c for c in data["categories"]}


def test_a_holder_declared_by_any_app_is_in_the_copy_with_every_kind_of_field(customer):
    # given a model the rights app knows nothing about, declared to the datamap (vaultcases)
    Dossier.objects.create(
        subject=customer.subject,
        received_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        body="Second letter",
        headers={"From": "Kaori <kaori@example.jp>"},
        attachment=b"%PDF-1.4 a scan",
    )
    LedgerEntry.objects.create(subject=customer.subject, amount=Decimal("9.00"), payer="K. Sato")
    # when the copy is made
    data = bundle_data(subject=customer.subject)
    # then its rows are there, text, JSON and file fields opened
    letters = [
        r
        for h in _by_id(data)["user.correspondence"]["holders"]
        if h["holder"] == "vaultcases.Dossier"
        for r in h["records"]
    ]
    second = next(r for r in letters if r["body"] == "Second letter")
    assert second["headers"] == {"From": "Kaori <kaori@example.jp>"}
    assert second["attachment"]["bytes"] == len(b"%PDF-1.4 a scan")
    ledger = [
        r
        for h in _by_id(data)["user.behavior.purchase_history"]["holders"]
        if h["holder"] == "vaultcases.LedgerEntry"
        for r in h["records"]
    ]
    assert ledger == [{"id": ledger[0]["id"], "completed_at": None, "amount": "9.00",
                       "payer": "K. Sato"}]  # fmt: skip


def test_secrets_that_mean_nothing_to_the_person_are_described_not_shown(customer):
    data = bundle_data(subject=customer.subject)
    (user,) = _by_id(data)["user.authorization.credentials"]["holders"][0]["records"]
    assert user["password"].startswith("a one-way hash of your password (not shown")
    assert user["email_index"].startswith("a keyed fingerprint")
    text = json.dumps(data)
    assert "argon2" not in text and customer.subject.email_index not in text


def test_data_that_cannot_be_linked_to_the_person_is_said_to_exist(customer):
    PeriodNote.objects.create(written_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), text="a visit")
    data = bundle_data(subject=customer.subject)
    unlinked = {u["id"]: u for u in data["held_unlinked"]}
    assert {"user.session", "user.behavior.browsing", "user.authorization.attempts"} <= set(
        unlinked
    )
    assert "IP address" in unlinked["user.behavior.browsing"]["why"]
    assert "user.behavior.browsing" not in _by_id(data)


def test_each_key_is_fetched_once_however_many_values_it_opens(customer):
    for n in range(30):
        Dossier.objects.create(subject=customer.subject, received_at=dt.datetime.now(dt.UTC),
                               body=f"letter {n}")  # fmt: skip
    with CaptureQueriesContext(connections["keys"]) as keys:
        collected = subject_collect(subject_id=customer.subject.pk, purpose=SUBJECT_ACCESS)
    assert collected.count > 35
    handles = [q["sql"] for q in keys.captured_queries if "vault_datakey" in q["sql"]]
    assert len(handles) <= 4, handles  # account, purchases, correspondence (+ the index)


@pytest.mark.clause("AL9")
def test_disclosures_are_in_the_copy_unless_the_law_restricts_telling(customer):
    common = {"recipient": "law-enforcement", "recipient_name": "Police", "count": 1,
              "recipient_kind": "law-enforcement", "subject": customer.subject.pk,
              "export_name": "x", "export_sha256": "0" * 64, "what": "orders"}  # fmt: skip
    Disclosure.objects.create(
        number="D-OPEN-0001", basis="s.22 DPA 2018", reference="OP-1", **common
    )
    Disclosure.objects.create(
        number="D-HUSH-0002", basis="court order", reference="SEALED-2", restricted=True, **common
    )
    data = bundle_data(subject=customer.subject)
    assert [d["number"] for d in data["disclosures"]] == ["D-OPEN-0001"]
    assert "SEALED-2" not in json.dumps(data) and "D-HUSH" not in json.dumps(data)


def test_the_page_is_self_contained_and_escapes_what_it_shows(customer):
    Dossier.objects.create(subject=customer.subject, received_at=dt.datetime.now(dt.UTC),
                           body="<script>alert(1)</script>")  # fmt: skip
    archive = zipfile.ZipFile(io.BytesIO(bundle_build(subject=customer.subject, reference="R-1")))
    page = archive.read("index.html").decode()
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "Your orders" in page and "Your rights" in page


def test_another_persons_data_is_never_in_the_copy(customer):
    other = make_customer("hiro@example.jp")
    text = json.dumps(bundle_data(subject=customer.subject))
    assert "hiro@example.jp" not in text and str(other.subject.pk) not in text
    assert other.order.reference not in text


def test_under_alps_web_server_logs_are_said_to_be_held_but_not_linkable(alps, db):
    from tests.rights.conftest import correspondent

    subject = correspondent("ken@example.jp", dt.datetime.now(dt.UTC))
    data = bundle_data(subject=subject)
    unlinked = {u["id"]: u for u in data["held_unlinked"]}
    assert "IP address" in unlinked["user.device.web_logs"]["why"]
    assert "user.device.web_logs" not in {n["id"] for n in data["not_held"]}
    assert "user.device.web_logs" not in _by_id(data)
