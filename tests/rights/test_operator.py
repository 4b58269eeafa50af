"""Requests that arrive in writing, entered by the operator: ``pledge rights ...``."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from pledge import cli
from pledge.accounts.models import ConsentRecord, Profile
from pledge.audit.models import AuditEvent
from pledge.audit.selectors import audit_verify
from pledge.rights.models import RightsRequest, Status
from pledge.rights.services import request_record
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject
from tests.rights.conftest import EMAIL, correspondent
from tests.vaultcases.models import Dossier

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=6 * 366)


def _rights(*args: str, out: Path) -> str:
    buffer = io.StringIO()
    call_command("rights", *args, "--out", str(out), stdout=buffer)
    return buffer.getvalue()


def _pdf_is_well_formed(data: bytes) -> None:
    """Every cross-reference entry points at the object it names; the trailer at the table."""
    assert data.startswith(b"%PDF-1.4\n") and data.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)\n", data)[1])
    assert data[start:].startswith(b"xref\n")
    entries = re.findall(rb"(\d{10}) 00000 n\r\n", data[start:])
    assert entries
    for number, offset in enumerate(entries, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj\n" % number)
    assert b"/BaseFont /Helvetica" in data


@pytest.mark.clause("AL14", "AL12")
def test_alps_erasure_in_writing_is_answered_by_a_letter_in_text_and_pdf(alps, tmp_path):
    # given a correspondent whose letters are all past the five years alps must keep them
    subject = correspondent("taro@example.jp", LONG_AGO, LONG_AGO + dt.timedelta(days=3))
    # when the operator enters their written erasure request
    out = _rights("erase", "--email", "taro@example.jp", out=tmp_path)
    # then the letters are erased, and the address no longer finds them
    assert "Email correspondence: erased (2 records)" in out
    assert not Dossier.objects.filter(subject=subject).exists()
    assert not Subject.objects.filter(email_index=email_index("taro@example.jp")).exists()
    # and the answer is a letter, as text and as PDF, naming the request and not the person
    request = RightsRequest.objects.get()
    text = (tmp_path / f"{request.reference}-erasure-letter.txt").read_text()
    pdf = (tmp_path / f"{request.reference}-erasure-letter.pdf").read_bytes()
    assert "ALPS Printer Services Japan" in text and f"Our reference: {request.reference}" in text
    assert "- Email correspondence: erased (2 records)" in text
    assert "taro" not in text and b"taro" not in pdf
    _pdf_is_well_formed(pdf)
    assert b"(- Email correspondence: erased \\(2 records\\)) Tj" in pdf
    # and nothing was mailed: the alps site has no mail link
    assert mail.outbox == []
    assert request.status == Status.DONE and audit_verify().ok
    assert AuditEvent.objects.filter(action="rights.answer_sent", detail__by="letter").exists()


@pytest.mark.clause("AL14", "AL7")
def test_alps_erasure_before_five_years_is_refused_with_the_date_and_rule(alps, tmp_path):
    received = NOW - dt.timedelta(days=400)
    subject = correspondent("hana@example.jp", received)
    _rights("erase", "--email", "hana@example.jp", out=tmp_path)
    text = next(tmp_path.glob("*-erasure-letter.txt")).read_text()
    local = received.astimezone(dt.timezone(dt.timedelta(hours=9)))
    until = local.replace(year=local.year + 5)
    assert f"- Email correspondence: kept until {until:%-d %B %Y} under the minimum keep" in text
    assert "five years" in text
    assert Dossier.objects.filter(subject=subject).count() == 1
    assert "still recognise your email address" in text


@pytest.mark.clause("AL14")
def test_alps_access_in_writing_writes_the_copy_and_a_covering_letter(alps, tmp_path):
    correspondent("ken@example.jp", NOW - dt.timedelta(days=30))
    out = _rights("access", "--email", "ken@example.jp", out=tmp_path)
    request = RightsRequest.objects.get()
    archive = zipfile.ZipFile(tmp_path / f"{request.reference}-data.zip")
    data = json.loads(archive.read("data.json"))
    (letters,) = [c for c in data["categories"] if c["id"] == "user.correspondence"]
    assert letters["records"] >= 1
    assert (tmp_path / f"{request.reference}-data.zip").stat().st_mode & 0o077 == 0
    letter = (tmp_path / f"{request.reference}-access-letter.txt").read_text()
    assert f"{request.reference}-data.zip" in letter and "Email correspondence:" in letter
    assert "answer to post" in out


def test_an_unknown_address_in_writing_is_answered_that_nothing_is_held(alps, tmp_path):
    out = _rights("erase", "--email", "nobody@example.jp", out=tmp_path)
    assert "no data is linked to that address" in out
    letter = next(tmp_path.glob("*-erasure-letter.txt")).read_text()
    assert "we hold nothing under it" in letter
    assert RightsRequest.objects.get().status == Status.DONE


@pytest.mark.clause("AL3")
def test_an_objection_under_alps_says_no_data_is_used_for_marketing(alps, tmp_path):
    correspondent("ken@example.jp", NOW)
    _rights("object", "--email", "ken@example.jp", out=tmp_path)
    letter = next(tmp_path.glob("*-objection-letter.txt")).read_text()
    assert "We do not use personal data for marketing at all" in letter


def test_japan_centre_erasure_in_writing_is_answered_by_email(customer, tmp_path):
    out = _rights("erase", "--email", EMAIL, out=tmp_path)
    assert "Your account: erased (1 record)" in out
    (answer,) = mail.outbox
    assert answer.to == [EMAIL]
    assert "- Your orders: kept until" in answer.body
    assert list(tmp_path.iterdir()) == []  # no letter: this policy answers by email


@pytest.mark.clause("JC13")
def test_an_objection_by_email_stops_marketing_at_once(customer, tmp_path):
    _rights("object", "--email", EMAIL, out=tmp_path)
    latest = ConsentRecord.objects.filter(subject=customer.subject).order_by("-at").first()
    assert latest.given is False and latest.form == "rights-request"


def test_a_correction_in_writing_changes_only_what_was_given(customer, tmp_path):
    out = _rights("rectify", "--email", EMAIL, "--phone", "020 7999 0000", out=tmp_path)
    assert "corrected: phone" in out
    profile = Profile.objects.get(subject=customer.subject)
    assert profile.phone.reveal(purpose="service") == "020 7999 0000"
    assert profile.name.reveal(purpose="service") == "Kaori Sato"
    consent = ConsentRecord.objects.filter(subject=customer.subject).order_by("-at").first()
    assert consent.given is True, "marketing was not part of the correction"
    assert "your telephone number" in mail.outbox[-1].body


def test_the_list_shows_open_overdue_and_done_with_their_deadlines(customer, tmp_path):
    # given one request answered, one received two months ago and never answered, one new
    _rights("object", "--email", EMAIL, out=tmp_path)
    late = request_record(kind="access", email=EMAIL, received_at=NOW - dt.timedelta(days=62))
    fresh = request_record(kind="erasure", email=EMAIL)
    # when the operator lists requests
    listed = io.StringIO()
    call_command("rights", "list", stdout=listed)
    out = listed.getvalue()
    # then each shows its state, the overdue one first
    lines = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    assert " overdue " in lines[late.reference] and " open " in lines[fresh.reference]
    done = RightsRequest.objects.get(kind="objection")
    assert " done " in lines[done.reference]
    assert out.splitlines()[1].startswith(late.reference)
    assert "1 open, 1 overdue, 1 done" in out
    overdue = io.StringIO()
    call_command("rights", "list", "--state", "overdue", "--json", stdout=overdue)
    assert [r["reference"] for r in json.loads(overdue.getvalue())] == [late.reference]


def test_the_pledge_command_hands_rights_and_disclose_to_django(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "_django", lambda argv: seen.append(list(argv)) or 0)
    assert cli.main(["rights", "list"]) == 0
    assert cli.main(["disclose", "--list"]) == 0
    assert seen == [["rights", "list"], ["disclose", "--list"]]


def test_the_admin_lists_overdue_requests(client, django_user_model, customer):
    staff = django_user_model.objects.create_superuser("staff@example.jp", "a staff passphrase 1")
    client.force_login(staff)
    late = request_record(kind="access", email=EMAIL, received_at=NOW - dt.timedelta(days=62))
    fresh = request_record(kind="erasure", email=EMAIL)
    client.cookies["operator"] = client.cookies.pop("basket").value  # the admin's own cookie
    page = client.get("/operator/rights/rightsrequest/?state=overdue", secure=True)
    text = page.content.decode()
    assert page.status_code == 200
    assert late.reference in text and fresh.reference not in text
    everything = client.get("/operator/rights/rightsrequest/", secure=True).content.decode()
    assert ">overdue<" in everything and ">open<" in everything


def test_the_operator_can_mark_a_request_answered_by_hand_in_the_admin(
    client, django_user_model, customer
):
    staff = django_user_model.objects.create_superuser("staff@example.jp", "a staff passphrase 1")
    client.force_login(staff)
    client.cookies["operator"] = client.cookies.pop("basket").value
    request = request_record(kind="access", email=EMAIL)
    client.post(
        "/operator/rights/rightsrequest/",
        {"action": "mark_done", "_selected_action": [str(request.pk)]},
        secure=True,
    )
    request.refresh_from_db()
    assert request.status == Status.DONE and request.note == "answered by hand"
    event = AuditEvent.objects.get(action="rights.completed")
    assert event.actor == f"operator:{staff.pk}" and event.subject == customer.subject.pk
