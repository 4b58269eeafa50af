"""``pledge logs ingest``: what an operator relies on when importing access logs."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import sys
from zoneinfo import ZoneInfo

import pytest
from tests.traffic.conftest import (
    CHROME,
    DAY,
    FIREFOX,
    GOOGLEBOT,
    IPHONE,
    NOON,
    NOW,
    address,
    combined,
    visits,
)

from pledge.audit.models import AuditEvent
from pledge.traffic.models import DailyCount, FileKind, LogFile, Rejection
from pledge.traffic.services import logs_ingest

pytestmark = pytest.mark.django_db


def counts(dimension: str, day: dt.date = DAY) -> dict[str, tuple[int, int]]:
    rows = DailyCount.objects.filter(day=day, dimension=dimension)
    return {r.value: (r.views, r.visitors) for r in rows}


@pytest.mark.clause("AL10", "JC8")
def test_given_a_combined_log_when_ingested_then_pages_sites_browsers_and_countries_are_counted(
    under, write_log
):
    under("alps")
    lines = [
        combined(ip="203.0.113.7", path="/printers/?page=2", referrer="https://www.google.co.jp/search?q=x"),
        combined(ip="203.0.113.7", path="/printers/", agent=CHROME),
        combined(ip="8.8.8.8", path="/ink/", agent=FIREFOX, referrer="-"),
        combined(ip="2001:200::1", path="/ink/", agent=IPHONE, status=404),
    ]  # fmt: skip
    result = logs_ingest(sources=[str(write_log("access.log", lines))], now=NOW)

    assert (result.ingest.lines_read, result.ingest.counted) == (4, 4)
    assert counts("site") == {"human": (4, 3)}
    assert counts("page") == {"/printers/": (2, 1), "/ink/": (2, 2)}
    assert counts("referrer") == {"www.google.co.jp": (1, 1), "(direct)": (3, 3)}
    assert counts("browser") == {"Chrome": (2, 1), "Firefox": (1, 1), "Mobile Safari": (1, 1)}
    assert counts("device") == {"desktop": (3, 2), "mobile": (1, 1)}
    assert counts("country")["US"] == (1, 1)  # 8.8.8.8, from the offline registry data
    assert counts("country")["JP"] == (1, 1)  # 2001:200::/23 is allocated to Japan
    assert counts("status") == {"2xx": (3, 2), "4xx": (1, 1)}


@pytest.mark.clause("AL10", "JC8")
def test_bots_are_counted_apart_and_never_as_visitors(under, write_log):
    under("japan-centre")
    lines = [combined(ip="66.249.66.1", agent=GOOGLEBOT, path=f"/p{i}") for i in range(3)]
    lines += [combined(ip="192.0.2.9", agent="curl/8.5.0"), combined(ip="192.0.2.10", agent="-")]
    lines += [combined(ip="203.0.113.7")]
    result = logs_ingest(sources=[str(write_log("access.log", lines))], now=NOW)

    assert result.ingest.bots == 5
    assert counts("site") == {"human": (1, 1), "bot": (5, 3)}
    assert counts("bot") == {"Googlebot": (3, 1), "curl": (1, 1), "(no user agent)": (1, 1)}
    assert set(counts("page")) == {"/"}, "bots never add to a page's views"


@pytest.mark.clause("JC7")
def test_a_visitor_is_counted_once_a_day_however_many_pages_they_see(under, write_log):
    under("japan-centre")
    same_person = [combined(at=NOON + dt.timedelta(minutes=m), path=f"/p{m % 3}") for m in range(9)]
    next_day = [combined(at=NOON + dt.timedelta(days=1))]
    logs_ingest(sources=[str(write_log("a.log", same_person + next_day))], now=NOW)

    assert counts("site") == {"human": (9, 1)}
    assert counts("site", DAY + dt.timedelta(days=1)) == {"human": (1, 1)}
    assert counts("page") == {"/p0": (3, 1), "/p1": (3, 1), "/p2": (3, 1)}


@pytest.mark.clause("JC7")
def test_the_clock_may_be_given_in_any_time_zone(under, write_log):
    """A caller passing the business's local time (as ``timezone.localtime()`` gives it)
    counts the same lines on the same days as one passing UTC."""
    under("japan-centre")
    log = write_log("access.log", visits(4))
    tokyo = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    fixed = NOW.astimezone(dt.timezone(dt.timedelta(hours=9)))
    first = logs_ingest(sources=[str(log)], now=tokyo).ingest
    again = logs_ingest(sources=[str(log)], now=fixed).ingest

    assert (first.counted, again.duplicates) == (4, 4)
    assert counts("site") == {"human": (4, 4)}
    assert first.started_at == NOW


@pytest.mark.clause("AL6")
def test_a_line_already_ingested_is_never_counted_again_in_any_form(under, write_log, monkeypatch):
    """Same file, a rotated copy that grew, its gzip, and standard input: each line once.

    Three of the first six visitors come back later in the rotated copy: counted in a second
    import, they are still one visitor each that day (alps keeps the raw lines, so the day is
    recounted from them)."""
    under("alps")
    first = visits(6) + [combined()] * 2  # two identical lines: two real requests
    later = visits(3, path="/later/", start=NOON + dt.timedelta(hours=1))
    log = write_log("access.log", first)
    rotated = write_log("access.log.1", first + later)  # the file grew, then was rotated
    zipped = write_log("access.log.1.gz", first + later, gz=True)

    runs = [logs_ingest(sources=[str(log)], now=NOW).ingest]
    runs.append(logs_ingest(sources=[str(log)], now=NOW).ingest)
    runs.append(logs_ingest(sources=[str(rotated)], now=NOW).ingest)
    runs.append(logs_ingest(sources=[str(zipped)], now=NOW).ingest)
    stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(rotated.read_bytes())))
    monkeypatch.setattr(sys, "stdin", stdin)
    runs.append(logs_ingest(sources=["-"], now=NOW).ingest)

    assert [(r.counted, r.duplicates) for r in runs] == [(8, 0), (0, 8), (3, 8), (0, 11), (0, 11)]
    assert counts("site") == {"human": (11, 7)}
    assert counts("page") == {"/": (8, 7), "/later/": (3, 3)}


@pytest.mark.clause("JC7")
def test_without_kept_logs_duplicates_are_still_recognised_while_the_day_is_open(under, write_log):
    under("japan-centre")
    log = write_log("access.log", visits(7) + [combined()] * 2)
    runs = [logs_ingest(sources=[str(log)], now=NOW).ingest for _ in range(2)]
    assert [(r.counted, r.duplicates) for r in runs] == [(9, 0), (0, 9)]
    assert counts("site") == {"human": (9, 8)}


@pytest.mark.clause("AL6")
def test_bad_lines_are_quarantined_encrypted_and_reported_by_file_and_line(under, write_log):
    under("alps")
    lines = [
        *visits(3),
        "garbage",
        combined(ip="fe80::1%eth0"),
        combined(at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC)),
        "x" * 100_000,
        combined(ip="not-an-ip"),
        *visits(2, path="/after/"),
    ]
    result = logs_ingest(sources=[str(write_log("access.log", lines))], now=NOW)

    run = result.ingest
    assert (run.lines_read, run.counted, run.rejected) == (10, 5, 5)
    reported = {(r.line_number, r.reason) for r in Rejection.objects.filter(ingest=run)}
    assert reported == {
        (4, "not a combined, common or JSON log line"),
        (5, "IPv6 address with a zone index"),
        (6, "timestamp out of range"),
        (7, "longer than 16 KiB"),
        (8, "client is not an IP address"),
    }
    quarantine = LogFile.objects.get(kind=FileKind.QUARANTINE)
    assert quarantine.rows == 5 and quarantine.period == "fy2026-03-31"
    path = run.rejections.first().source
    assert path.endswith("access.log")


def test_a_gzip_cut_short_yields_every_whole_line_and_reports_the_cut(under, tmp_path):
    under("japan-centre")
    whole = gzip.compress(("\n".join(visits(2000)) + "\n").encode())
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    result = logs_ingest(sources=[str(cut)], now=NOW)

    run = result.ingest
    assert 0 < run.counted < 2000
    assert run.counted + run.rejected == run.lines_read
    assert any("cut short" in e for e in run.errors)
    if run.rejected:  # the partial last line, if the cut fell inside one
        (last,) = Rejection.objects.filter(ingest=run)
        assert last.line_number == run.lines_read and "cut short" in last.reason


def test_a_missing_file_is_reported_and_the_others_still_read(under, write_log):
    under("japan-centre")
    good = write_log("good.log", visits(5))
    result = logs_ingest(sources=["/nonexistent/access.log", str(good)], now=NOW)
    assert result.ingest.counted == 5
    assert result.ingest.errors == ["/nonexistent/access.log: No such file or directory"]


@pytest.mark.clause("AL6")
def test_json_lines_and_the_common_format_are_read_too(under, write_log):
    under("alps")
    lines = [
        '{"remote_addr":"198.51.100.1","time_iso8601":"2025-05-14T03:00:00+00:00",'
        '"request":"GET /json/ HTTP/1.1","status":200,"body_bytes_sent":10,'
        '"http_referer":"","http_user_agent":"' + FIREFOX + '"}',
        f'198.51.100.2 - - [{NOON:%d/%b/%Y:%H:%M:%S %z}] "GET /common/ HTTP/1.0" 200 99',
    ]
    result = logs_ingest(sources=[str(write_log("mixed.log", lines))], now=NOW)
    assert (result.ingest.counted, result.ingest.rejected) == (2, 0)
    assert set(counts("page")) == {"/json/", "/common/"}
    assert counts("browser") == {"Firefox": (1, 1), "(unknown)": (1, 1)}


def test_every_import_is_an_audit_event_without_personal_data(under, write_log):
    under("alps")
    logs_ingest(sources=[str(write_log("access.log", visits(4)))], now=NOW)
    event = AuditEvent.objects.get(action="traffic.logs_ingested")
    assert event.category == "user.device.web_logs" and event.count == 4
    assert "198.51.100" not in str(event.detail)


def test_lines_older_than_the_policy_keeps_logs_are_refused_not_stored(under, write_log):
    under("alps")
    old = visits(3, start=dt.datetime(2015, 5, 17, 10, tzinfo=dt.UTC))
    result = logs_ingest(sources=[str(write_log("old.log", old))], now=NOW)
    assert result.ingest.counted == 0 and result.ingest.refused == 3
    assert result.refusals == {"older than the policy keeps web server logs": 3}
    assert not LogFile.objects.exists()


@pytest.mark.clause("JC7")
def test_a_quiet_sites_weeks_in_one_chunk_count_each_days_visitors_apart(under, write_log):
    """Three regulars every day for three weeks, and one visitor on one day only: one chunk of
    many days, each with its own salt."""
    under("japan-centre")
    lines = [
        combined(ip=address(i), at=NOON + dt.timedelta(days=d, minutes=i))
        for d in range(21) for i in range(3)
    ] + [combined(ip="192.0.2.77", at=NOON + dt.timedelta(days=4, hours=2))]  # fmt: skip
    logs_ingest(sources=[str(write_log("quiet.log", lines))], now=NOW + dt.timedelta(days=30))

    per_day = {
        day: (views, visitors)
        for day, views, visitors in DailyCount.objects.filter(
            dimension="site", value="human"
        ).values_list("day", "views", "visitors")
    }
    assert len(per_day) == 21
    assert per_day.pop(DAY + dt.timedelta(days=4)) == (4, 4)
    assert set(per_day.values()) == {(3, 3)}
