"""The erasure service: everything the policy lets go, and the rule for anything kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from pledge.audit.models import AuditEvent
from pledge.datamap.erasure import subject_erase
from pledge.policy import load
from pledge.vault import keyring
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject, SubjectKind
from pledge.vault.services import subject_for_email
from tests.vaultcases.models import Dossier, LedgerEntry

pytestmark = pytest.mark.django_db

POLICIES = Path(__file__).resolve().parents[2] / "policies"
RECEIVED = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)


def _correspondent(email: str = "kaori@example.jp") -> Subject:
    subject = subject_for_email(email=email, kind=SubjectKind.CORRESPONDENT)
    Dossier.objects.create(subject=subject, received_at=RECEIVED, body="Dear shop, ...")
    Dossier.objects.create(subject=subject, received_at=RECEIVED, body="Another letter")
    return subject


def _by_category(outcomes):
    return {o.category: o for o in outcomes}


@pytest.mark.clause("AL12")
def test_erasure_erases_every_holder_and_reports_per_category():
    subject = _correspondent()
    outcomes = _by_category(subject_erase(subject_id=subject.pk, reason="request R-1"))
    assert outcomes["user.correspondence"].status == "erased"
    assert outcomes["user.correspondence"].count == 2
    assert outcomes["user.account"].words() == "not held"
    assert not Dossier.objects.filter(subject=subject).exists()
    assert keyring.subject_refs(subject.pk) == []


@pytest.mark.clause("AL12")
def test_full_erasure_removes_the_blind_index_so_the_address_finds_no_one():
    subject = _correspondent()
    subject_erase(subject_id=subject.pk, reason="request R-1")
    subject.refresh_from_db()
    assert subject.email_index is None and subject.erased_at is not None
    assert not Subject.objects.filter(email_index=email_index("kaori@example.jp")).exists()


@pytest.mark.clause("AL8")
def test_records_kept_by_a_legal_duty_are_kept_with_the_rule_named():
    subject = _correspondent()
    LedgerEntry.objects.create(
        subject=subject, completed_at=RECEIVED, amount=Decimal("42.00"), payer="Kaori Sato"
    )
    outcomes = _by_category(subject_erase(subject_id=subject.pk, reason="request R-2"))
    kept = outcomes["user.behavior.purchase_history"]
    assert kept.status == "kept"
    assert kept.until == dt.datetime(2032, 5, 10, 9, 0, tzinfo=dt.UTC)
    assert "UK company and tax law require accounting records" in kept.rule
    assert kept.words("Europe/London").startswith("kept until 10 May 2032 under")
    assert outcomes["user.correspondence"].status == "erased"
    entry = LedgerEntry.objects.get(subject=subject)
    assert entry.payer.reveal(purpose="orders") == "Kaori Sato"
    subject.refresh_from_db()
    assert subject.email_index is not None, "a subject with kept data can still be found"


@pytest.mark.clause("AL7")
def test_before_the_minimum_keep_erasure_is_refused_with_the_date(settings):
    settings.POLICY = load(POLICIES / "alps.yaml")
    subject = _correspondent()
    early = subject_erase(
        subject_id=subject.pk, reason="letter", now=RECEIVED + dt.timedelta(days=400)
    )
    (outcome,) = [o for o in early if o.category == "user.correspondence"]
    assert outcome.status == "kept"
    assert outcome.until == dt.datetime(2031, 5, 10, 9, 0, tzinfo=dt.UTC)
    assert "minimum keep of five years" in outcome.rule
    assert Dossier.objects.filter(subject=subject).count() == 2

    late = subject_erase(subject_id=subject.pk, reason="letter", now=outcome.until)
    assert _by_category(late)["user.correspondence"].status == "erased"


def test_every_erasure_is_an_audit_event_without_personal_data():
    subject = _correspondent()
    subject_erase(subject_id=subject.pk, reason="request R-3")
    event = AuditEvent.objects.get(action="subject.erased", subject=subject.pk)
    assert event.category == "user.correspondence" and event.count == 2
    assert "kaori" not in str(event.detail)


def test_erasing_twice_is_harmless():
    subject = _correspondent()
    subject_erase(subject_id=subject.pk, reason="first")
    again = _by_category(subject_erase(subject_id=subject.pk, reason="second"))
    assert again["user.correspondence"].status == "not-held"


@pytest.mark.clause("AL13")
def test_an_erasure_of_rows_without_a_key_is_journaled_for_replay_after_a_restore(settings):
    """Consent records are plain rows; erasing them must still reach a restored backup."""
    from pledge.accounts.services import consent_record
    from pledge.notices.services import notice_publish
    from pledge.vault.models import ShredEntry
    from pledge.vault.routers import KEYS

    subject = _correspondent()
    consent_record(
        subject=subject,
        purpose="marketing",
        given=True,
        form="registration",
        notice=notice_publish(policy=settings.POLICY),
    )
    subject_erase(subject_id=subject.pk, reason="letter", categories=["user.consent"])
    entry = ShredEntry.objects.using(KEYS).get(subject=subject.pk, category="user.consent")
    assert entry.reason == "erasure: letter"
