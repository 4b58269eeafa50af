"""The site's own access log: every request counted, and where no logs are kept, no address.

Requests go through the real middleware stack (Django's test client); the recorder is turned on
for each test and flushed by hand instead of by its timer. The URLs are the test run's
(japan-centre's), so under alps the requests are for pages it does not have (404s are
recorded like any other response).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from tests.traffic.conftest import CHROME, NOW

from pledge.traffic import recorder as recorder_module
from pledge.traffic import store
from pledge.traffic.models import DailyCount, FileKind, Ingest, LogFile, VisitSalt
from pledge.traffic.recorder import Hit, Recorder, combined_line
from pledge.traffic.selectors import raw_lines
from pledge.traffic.services import logs_ingest, visit_salts_expire
from pledge.traffic.visitors import salt_ref
from pledge.vault import keyring

pytestmark = pytest.mark.django_db
VISITOR = "203.0.113.77"


@pytest.fixture
def live(monkeypatch) -> Iterator[Recorder]:
    on = Recorder(enabled=True)
    monkeypatch.setattr(recorder_module, "_recorder", on)
    yield on


def _browse(client, paths: list[str], ip: str = VISITOR) -> None:
    for path in paths:
        client.get(path, REMOTE_ADDR=ip, HTTP_USER_AGENT=CHROME,
                   HTTP_REFERER="https://search.example/?q=tea", secure=True)  # fmt: skip


def _everything_stored(data_dir: Path) -> bytes:
    """Every byte pledge keeps about traffic: the data database's rows and the data directory."""
    tables = connection.introspection.table_names()
    dump = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.extend(repr(row) for row in cursor.fetchall())
    files = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    return "\n".join(dump).encode() + files


@pytest.mark.clause("JC7")
def test_without_kept_logs_the_site_counts_visits_and_stores_no_address(
    under, client, live, settings
):
    under("japan-centre")
    _browse(client, ["/", "/privacy/", "/"])
    _browse(client, ["/"], ip="203.0.113.78")
    assert live.flush() == 4

    human = DailyCount.objects.get(dimension="site", value="human")
    assert (human.views, human.visitors) == (4, 2)
    assert DailyCount.objects.get(dimension="referrer", value="search.example").views == 4
    stored = _everything_stored(settings.DATA_DIR)
    assert VISITOR.encode() not in stored and b"203.0.113.78" not in stored
    assert not LogFile.objects.exists(), "no raw line, no ledger: nothing written but counts"
    assert Ingest.objects.get().origin == "serve"


@pytest.mark.clause("JC7")
def test_the_daily_salt_is_destroyed_after_48_hours_and_the_counts_remain(
    under, client, live, write_log
):
    under("japan-centre")
    _browse(client, ["/"])
    live.flush()
    (salt,) = VisitSalt.objects.all()
    ref = salt_ref(under("japan-centre"), salt.day)
    assert keyring.get(ref) is not None

    assert visit_salts_expire(now=salt.created_at + dt.timedelta(hours=47)) == 0
    assert visit_salts_expire(now=salt.created_at + dt.timedelta(hours=48)) == 1

    assert keyring.get(ref) is None
    salt.refresh_from_db()
    assert salt.shredded_at is not None
    assert DailyCount.objects.get(dimension="site", value="human").visitors == 1
    # The day is closed: its lines can no longer be counted (their visitors could not be
    # told apart from those already counted), so an import of them is refused.
    noon = dt.datetime.combine(salt.day, dt.time(12), tzinfo=dt.UTC)
    line = f'198.51.100.1 - - [{noon:%d/%b/%Y:%H:%M:%S %z}] "GET / HTTP/1.1" 200 5 "-" "x"'
    later = salt.created_at + dt.timedelta(hours=49)
    result = logs_ingest(sources=[str(write_log("late.log", [line]))], now=later)
    assert result.ingest.refused == 1 and result.ingest.counted == 0


@pytest.mark.clause("AL6")
def test_with_kept_logs_each_request_becomes_an_encrypted_raw_line(under, client, live):
    under("alps")
    _browse(client, ["/printers/", "/ink/"])
    assert live.flush() == 2

    (file,) = LogFile.objects.filter(kind=FileKind.RAW)
    assert file.rows == 2 and file.period.startswith("fy")
    assert VISITOR.encode() not in (store.root() / file.path).read_bytes()
    found = raw_lines(ip=VISITOR, start=file.first_at, end=file.last_at + dt.timedelta(seconds=1))
    assert [r.line.split('"')[1] for r in found] == [
        "GET /printers/ HTTP/1.1",
        "GET /ink/ HTTP/1.1",
    ]
    assert all(r.line.startswith(f"{VISITOR} - - [") for r in found)


@pytest.mark.clause("AL6")
def test_an_export_of_the_sites_own_lines_is_recognised_when_imported(
    under, client, live, write_log
):
    under("alps")
    _browse(client, ["/printers/", "/ink/"])
    live.flush()
    (file,) = LogFile.objects.filter(kind=FileKind.RAW)
    exported = [r.line for r in raw_lines(ip=VISITOR, start=file.first_at,
                                          end=file.last_at + dt.timedelta(seconds=1))]  # fmt: skip
    result = logs_ingest(sources=[str(write_log("export.log", exported))],
                         now=file.last_at + dt.timedelta(minutes=1))  # fmt: skip
    assert (result.ingest.counted, result.ingest.duplicates) == (0, 2)


def test_a_line_written_by_the_site_escapes_what_could_break_the_format():
    hit = Hit(time=NOW, ip="::1", method="GET", target='/a"b\\c', protocol="HTTP/1.1",
              status=200, size=3, referrer="", agent='evil "agent"\n')  # fmt: skip
    assert combined_line(hit) == (
        '::1 - - [01/Jun/2025:00:00:00 +0000] "GET /a\\x22b\\x5cc HTTP/1.1" 200 3 "-" '
        '"evil \\x22agent\\x22\\x0a"'
    )
