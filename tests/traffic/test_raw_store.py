"""Raw lines where the policy keeps logs: encrypted, readable given the key, gone at expiry."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow.parquet as pq
import pytest
from tests.traffic.conftest import NOON, NOW, combined, policy, visits

from pledge.audit.models import AuditEvent
from pledge.traffic import store
from pledge.traffic.models import DailyCount, FileKind, LogFile
from pledge.traffic.periods import period_due, period_of
from pledge.traffic.selectors import raw_lines
from pledge.traffic.services import log_partitions_expire, logs_ingest
from pledge.vault import keyring
from pledge.vault.backup.replay import _partitions_remove
from pledge.vault.purposes import PurposeRefused

pytestmark = pytest.mark.django_db
WEB_LOGS = "user.device.web_logs"


def _ingest(write_log, lines: list[str]) -> LogFile:
    logs_ingest(sources=[str(write_log("access.log", lines))], now=NOW)
    return LogFile.objects.get(kind=FileKind.RAW)


@pytest.mark.clause("AL6")
def test_raw_lines_are_parquet_encrypted_under_the_key_of_their_fiscal_year(under, write_log):
    under("alps")
    file = _ingest(write_log, visits(5))
    path = store.root() / file.path
    assert file.path.startswith(f"web_logs/category={WEB_LOGS}/period=fy2026-03-31/")
    assert b"198.51.100" not in path.read_bytes(), "no address is readable in the file"
    with pytest.raises(OSError):
        pq.read_table(path)  # without the key: nothing


@pytest.mark.clause("AL6")
def test_duckdb_reads_a_partition_given_the_key_and_fails_without(under, write_log):
    under("alps")
    file = _ingest(write_log, [*visits(5), combined(ip="2001:db8::7")])
    key = keyring.get(store.key_ref(WEB_LOGS, file.period))
    glob = str(store.root() / "web_logs" / "**" / "*.parquet")
    pragma, select = store.duckdb_read_sql(key, glob)

    db = duckdb.connect()
    db.execute(pragma)
    rows = db.execute(f"SELECT ip, status, period, category FROM ({select}) ORDER BY ip").fetchall()
    assert len(rows) == 6 and rows[0][2:] == ("fy2026-03-31", WEB_LOGS)
    assert ("2001:db8::7", 200) in [r[:2] for r in rows]

    with pytest.raises(duckdb.Error, match="encrypt"):
        duckdb.connect().execute(f"SELECT * FROM read_parquet('{glob}')").fetchall()
    wrong = duckdb.connect()
    wrong.execute(store.duckdb_read_sql(b"\x00" * 32, glob)[0])
    with pytest.raises(duckdb.Error):
        wrong.execute(store.duckdb_read_sql(b"\x00" * 32, glob)[1]).fetchall()


@pytest.mark.clause("AL11")
def test_a_fiscal_year_of_logs_is_due_five_years_after_31_march_plus_grace():
    alps = policy("alps")
    first = dt.datetime(2015, 3, 31, 15, 0, 1, tzinfo=dt.UTC)  # 1 April 00:00:01 in Tokyo
    last = dt.datetime(2016, 3, 31, 14, 59, 59, tzinfo=dt.UTC)  # 31 March 23:59:59 in Tokyo
    midnight = dt.datetime(2015, 3, 31, 15, 0, tzinfo=dt.UTC)  # 1 April 00:00 exactly
    assert period_of(first, alps) == period_of(last, alps) == "fy2016-03-31"
    assert period_of(midnight, alps) == "fy2015-03-31", "the close belongs to the year it ends"
    due = period_due("fy2016-03-31", alps)
    assert due == dt.datetime(2021, 5, 1, tzinfo=dt.UTC) - dt.timedelta(hours=9)  # 1 May, Tokyo


@pytest.mark.clause("AL6", "AL12", "AL13")
def test_at_expiry_the_key_is_destroyed_the_files_removed_and_the_counts_kept(under, write_log):
    under("alps")
    file = _ingest(write_log, visits(5))
    due = period_due(file.period, policy("alps"))
    assert due is not None

    assert log_partitions_expire(now=due - dt.timedelta(seconds=1)) == 0
    assert log_partitions_expire(now=due) == 1

    assert keyring.get(store.key_ref(WEB_LOGS, file.period)) is None
    assert not (store.root() / file.path).exists()
    assert not LogFile.objects.exists()
    assert DailyCount.objects.filter(dimension="site").exists(), "statistics are not deleted"
    event = AuditEvent.objects.get(action="traffic.log_period_expired")
    assert event.count == 5 and event.detail["period"] == file.period


@pytest.mark.clause("AL13")
def test_the_partition_layout_is_what_a_backup_restore_erases_again(under, write_log):
    """A restore replays a period shred by deleting partitions/**/category=<c>/**/period=<p>."""
    under("alps")
    file = _ingest(write_log, [*visits(3), "garbage"])
    assert LogFile.objects.filter(kind=FileKind.QUARANTINE, period=file.period).exists()
    assert _partitions_remove(WEB_LOGS, file.period) == 2  # raw and quarantine
    assert not any(store.root().rglob("*.parquet"))


@pytest.mark.clause("AL9")
def test_raw_lines_of_an_address_and_window_are_found_for_a_disclosure(under, write_log):
    under("alps")
    lines = [*visits(4), combined(ip="198.51.100.2", path="/again/", at=NOON.replace(hour=5))]
    _ingest(write_log, lines)
    found = raw_lines(ip="198.51.100.2", start=NOON, end=NOON + dt.timedelta(hours=3))
    assert [(r.line_number, r.line) for r in found] == [(2, lines[1]), (5, lines[4])]
    assert raw_lines(ip="198.51.100.2", start=NOON, end=NOON + dt.timedelta(seconds=1)) == []
    event = AuditEvent.objects.filter(action="traffic.raw_lines_read").first()
    assert event is not None and event.count == 2 and "198.51" not in str(event.detail)


def test_raw_lines_refuse_a_purpose_the_policy_does_not_declare(under, write_log):
    under("alps")
    _ingest(write_log, visits(2))
    with pytest.raises(PurposeRefused):
        raw_lines(ip="198.51.100.1", start=NOON, end=NOW, purpose="marketing")
