"""Traffic's stores expire on schedule through the retention sweep and the server's scheduler."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from tests.traffic.conftest import NOW, visits

from pledge.retention.sweep import sweep_run
from pledge.traffic import store
from pledge.traffic.models import FileKind, LogFile, VisitSalt
from pledge.traffic.services import logs_ingest
from pledge.traffic.visitors import salt_ref
from pledge.vault import keyring
from pledge.web.schedule import run_due_jobs

pytestmark = pytest.mark.django_db
WEB_LOGS = "user.device.web_logs"
# Lines of 14 May 2025 belong to the fiscal year closing 31 March 2026; kept five years after
# that close plus the 30-day grace: due on 1 May 2031, Tokyo time.
DUE = dt.datetime(2031, 5, 1, tzinfo=dt.UTC) - dt.timedelta(hours=9)


def _dry_run(now: dt.datetime) -> dict:
    out = io.StringIO()
    call_command("sweep", "--dry-run", "--json", "--now", now.isoformat(), stdout=out)
    (entry,) = [
        e for e in json.loads(out.getvalue())["entries"] if e["holder"].startswith("store:")
    ]
    return entry


@pytest.mark.clause("AL6", "AL11")
def test_the_sweep_expires_a_fiscal_year_of_logs_on_its_due_date_and_not_a_second_before(
    under, write_log
):
    # given five lines of May 2025 imported under alps
    under("alps")
    logs_ingest(sources=[str(write_log("access.log", visits(5)))], now=NOW)
    (raw,) = LogFile.objects.filter(kind=FileKind.RAW)
    # when the operator asks what the sweep will do, the period is listed with its date
    entry = _dry_run(DUE - dt.timedelta(days=1))
    assert (entry["category"], entry["due_now"], entry["next_count"]) == (WEB_LOGS, 0, 5)
    assert dt.datetime.fromisoformat(entry["next_due"]) == DUE
    # and a sweep one second early keeps everything
    sweep_run(now=DUE - dt.timedelta(seconds=1))
    assert LogFile.objects.count() == 1 and (store.root() / raw.path).exists()
    # then the sweep at the due date shreds the key and removes the files
    assert _dry_run(DUE)["due_now"] == 5
    result = sweep_run(now=DUE)
    assert result.deleted == 5
    assert not LogFile.objects.exists() and not (store.root() / raw.path).exists()
    assert keyring.get(store.key_ref(WEB_LOGS, raw.period)) is None


@pytest.mark.clause("JC7")
def test_the_scheduler_destroys_a_visit_salt_within_a_round_of_48_hours(under, write_log):
    # given a day of visits imported under japan-centre (no logs kept, only counts)
    policy = under("japan-centre")
    logs_ingest(sources=[str(write_log("access.log", visits(5)))], now=NOW)
    (salt,) = VisitSalt.objects.all()
    ref = salt_ref(policy, salt.day)
    # when the scheduler runs at 47 hours, the salt stays
    run_due_jobs(salt.created_at + dt.timedelta(hours=47))
    assert keyring.get(ref) is not None
    # then at its next round after 48 hours it is gone, with the day's ledger
    run_due_jobs(salt.created_at + dt.timedelta(hours=48, minutes=10))
    assert keyring.get(ref) is None
    assert not LogFile.objects.filter(kind=FileKind.LEDGER).exists()
