"""``pledge serve`` end to end: a real server process, real HTTPS requests, then its data dir.

The server records requests in memory and counts them every few seconds and when it stops;
these tests stop it (as an operator would) and then look at what it kept.
"""

from __future__ import annotations

import http.client
import ssl
from pathlib import Path

import pytest
from tests.support.site import Site, running
from tests.traffic.conftest import FIREFOX

CLIENT = b"127.0.0.1"


def _get(site: Site, path: str) -> int:
    """A browser's request (with a browser string: one without is counted as a bot)."""
    context = ssl.create_default_context(cafile=str(site.certificate_path))
    conn = http.client.HTTPSConnection("localhost", site.port, context=context, timeout=10)
    conn.request("GET", path, headers={"User-Agent": FIREFOX})
    response = conn.getresponse()
    response.read()
    return response.status


def _stored_bytes(site: Site) -> bytes:
    return b"".join(p.read_bytes() for p in site.data.rglob("*") if p.is_file())


@pytest.mark.clause("AL6")
def test_under_alps_each_request_becomes_an_encrypted_raw_line(tmp_path: Path):
    site = Site(tmp_path, "alps.yaml")
    with running(site):
        assert [_get(site, p) for p in ("/", "/services/", "/no-such-page/")] == [200, 200, 404]
    (raw,) = site.sql("SELECT SUM(rows) FROM traffic_logfile WHERE kind = 'raw'")
    assert raw[0] == 3
    (path,) = site.sql("SELECT path FROM traffic_logfile WHERE kind = 'raw' LIMIT 1")[0]
    assert path.startswith("web_logs/category=user.device.web_logs/period=fy")
    assert CLIENT not in (site.data / "partitions" / path).read_bytes()
    views = site.sql("SELECT SUM(views) FROM traffic_dailycount WHERE dimension = 'site'")
    assert views[0][0] == 3


@pytest.mark.clause("JC7")
def test_under_japan_centre_requests_are_counted_and_no_address_is_written(tmp_path: Path):
    site = Site(tmp_path, "japan-centre.yaml")
    with running(site):
        assert [_get(site, p) for p in ("/", "/privacy/", "/shop/")] == [200, 200, 200]
    human = site.sql(
        "SELECT views, visitors FROM traffic_dailycount"
        " WHERE dimension = 'site' AND value = 'human'"
    )
    assert human == [(3, 1)]
    assert site.sql("SELECT COUNT(*) FROM traffic_logfile") == [(0,)]
    assert CLIENT not in _stored_bytes(site), "no address anywhere in the data directory"
