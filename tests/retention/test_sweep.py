"""Retention sweeps: deleted on schedule, never a day early, resumable, held data kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pledge.audit.models import AuditEvent
from pledge.datamap import registry
from pledge.datamap.erasure import subject_erase
from pledge.policy import load
from pledge.policy.calendar import deadline
from pledge.retention.holds import hold_place
from pledge.retention.plan import cutoff_for, plan
from pledge.retention.sweep import SweepBusy, sweep_lock, sweep_run
from pledge.vault import keyring
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_create
from tests.vaultcases.models import Dossier, LedgerEntry

pytestmark = pytest.mark.django_db

POLICIES = Path(__file__).resolve().parents[2] / "policies"
ALPS = load(POLICIES / "alps.yaml")
TOKYO = dt.timezone(dt.timedelta(hours=9))
TOKYO_ZONE = ZoneInfo("Asia/Tokyo")


def _ledger(completed: dt.datetime, subject=None) -> LedgerEntry:
    subject = subject or subject_create(kind=SubjectKind.CUSTOMER)
    return LedgerEntry.objects.create(
        subject=subject, completed_at=completed, amount=Decimal("10.00"), payer="Kaori Sato"
    )


def _entry(entries, holder="vaultcases.LedgerEntry"):
    return next(e for e in entries if e.holder == holder)


@pytest.mark.clause("AL11")
def test_the_plan_says_what_goes_now_what_next_and_why(settings):
    settings.POLICY = ALPS
    _ledger(dt.datetime(2019, 6, 1, tzinfo=TOKYO))  # 7 years on 2026-06-01, after FY end 2027-03-31
    _ledger(dt.datetime(2020, 6, 1, tzinfo=TOKYO))
    now = dt.datetime(2027, 5, 2, tzinfo=TOKYO)
    entry = _entry(plan(ALPS, list(registry.holders(ALPS)), now))
    assert entry.due_now == 1
    assert entry.next_count == 1
    assert entry.next_due == dt.datetime(2028, 5, 1, tzinfo=TOKYO)
    assert "deleted after the fiscal year end on 31 March within 30 days" in entry.rule
    assert "seven years" in entry.rule


@pytest.mark.clause("AL11")
@pytest.mark.clause("AL8")
def test_not_one_day_early(settings):
    settings.POLICY = ALPS
    record = _ledger(dt.datetime(2019, 6, 1, tzinfo=TOKYO))
    due = dt.datetime(2027, 5, 1, tzinfo=TOKYO)
    sweep_run(now=due - dt.timedelta(days=1))
    assert LedgerEntry.objects.filter(pk=record.pk).exists()
    sweep_run(now=due)
    assert not LedgerEntry.objects.filter(pk=record.pk).exists()


@pytest.mark.clause("AL12")
def test_a_sweep_shreds_the_key_once_nothing_of_the_subject_remains(settings):
    settings.POLICY = ALPS
    subject = subject_create(kind=SubjectKind.CUSTOMER)
    _ledger(dt.datetime(2019, 6, 1, tzinfo=TOKYO), subject)
    young = _ledger(dt.datetime(2024, 6, 1, tzinfo=TOKYO), subject)
    category = "user.behavior.purchase_history"
    sweep_run(now=dt.datetime(2027, 5, 2, tzinfo=TOKYO))
    assert keyring.subject_refs(subject.pk, [category]), "the young record still needs the key"
    assert LedgerEntry.objects.get(pk=young.pk).payer.reveal(purpose="orders") == "Kaori Sato"
    sweep_run(now=dt.datetime(2032, 5, 2, tzinfo=TOKYO))
    assert keyring.subject_refs(subject.pk, [category]) == []


def test_every_batch_is_an_audit_event_and_a_second_run_deletes_nothing(settings):
    settings.POLICY = ALPS
    for day in range(1, 6):
        _ledger(dt.datetime(2019, 6, day, tzinfo=TOKYO))
    first = sweep_run(now=dt.datetime(2027, 5, 2, tzinfo=TOKYO))
    again = sweep_run(now=dt.datetime(2027, 5, 2, tzinfo=TOKYO))
    assert (first.deleted, again.deleted) == (5, 0)
    event = AuditEvent.objects.get(action="retention.deleted")
    assert event.count == 5 and event.category == "user.behavior.purchase_history"


def test_a_legal_hold_stops_the_sweep_and_the_erasure_service(settings):
    settings.POLICY = ALPS
    record = _ledger(dt.datetime(2019, 6, 1, tzinfo=TOKYO))
    hold_place(
        subject=record.subject_id,
        reason="tax inquiry 2027/18",
        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    sweep_run(now=dt.datetime(2027, 5, 2, tzinfo=TOKYO))
    assert LedgerEntry.objects.filter(pk=record.pk).exists()
    outcomes = subject_erase(
        subject_id=record.subject_id, reason="letter", now=dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
    )
    held = next(o for o in outcomes if o.category == "user.behavior.purchase_history")
    assert held.status == "kept" and "a legal hold: tax inquiry 2027/18" in held.rule
    sweep_run(now=dt.datetime(2030, 1, 2, tzinfo=dt.UTC))
    assert not LedgerEntry.objects.filter(pk=record.pk).exists()


@pytest.mark.clause("AL7")
def test_correspondence_kept_until_a_written_request_is_never_swept(settings):
    settings.POLICY = ALPS
    subject = subject_create(kind=SubjectKind.CORRESPONDENT)
    Dossier.objects.create(
        subject=subject, received_at=dt.datetime(2010, 1, 1, tzinfo=dt.UTC), body="an old letter"
    )
    sweep_run(now=dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
    assert Dossier.objects.filter(subject=subject).exists()
    entry = _entry(
        plan(ALPS, list(registry.holders(ALPS)), dt.datetime(2040, 1, 1, tzinfo=dt.UTC)),
        "vaultcases.Dossier",
    )
    assert "kept until their owners ask in writing" in entry.reason


def test_a_second_sweep_leaves_when_one_is_running():
    # The first sweep holds the lock from another thread (its own database connection, as the
    # server's scheduler and a cron job would each have).
    import threading

    from django.db import connection as thread_connection

    held, release = threading.Event(), threading.Event()

    def first_sweep() -> None:
        try:
            with sweep_lock(wait=False):
                held.set()
                release.wait(10)
        finally:
            thread_connection.close()

    worker = threading.Thread(target=first_sweep)
    worker.start()
    try:
        assert held.wait(10)
        with pytest.raises(SweepBusy, match="another sweep is running"):
            sweep_run(wait=False)
    finally:
        release.set()
        worker.join(10)


def test_dry_run_prints_what_goes_and_why(settings, capsys):
    settings.POLICY = ALPS
    _ledger(dt.datetime(2019, 6, 1, tzinfo=TOKYO))
    call_command("sweep", "--dry-run", "--now", "2027-05-02")
    out = capsys.readouterr().out
    assert "Orders, PayPal and bank transfer records [vaultcases.LedgerEntry]" in out
    assert "goes now: 1" in out
    assert "why: Recorded as part of business auditing requirements" in out
    assert LedgerEntry.objects.count() == 1


@pytest.mark.clause("AL11")
@hsettings(max_examples=60, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2060, 1, 1)),
)
def test_the_cutoff_separates_due_from_not_due_exactly(anchor, now):
    rule = ALPS.category("user.device.web_logs").retention
    anchor, now = anchor.replace(tzinfo=dt.UTC), now.replace(tzinfo=dt.UTC)
    cutoff = cutoff_for(rule, TOKYO_ZONE, now)
    due_at = deadline(anchor, rule, TOKYO_ZONE).due_at
    swept = cutoff is not None and anchor <= cutoff
    assert swept == (due_at <= now)
