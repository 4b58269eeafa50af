"""``pledge serve`` as a real process: HTTPS, the HTTP redirect, first-run set-up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.site import Site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    site = Site(tmp_path, "japan-centre.yaml")
    process = site.start()
    yield site
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.clause("JC3")
def test_serves_the_notice_over_https_with_a_certificate_for_localhost(site):
    response = site.https("/privacy/")
    body = response.read().decode()
    assert response.status == 200
    assert "Japan Centre" in body
    assert response.getheader("Strict-Transport-Security").startswith("max-age=")
    assert response.getheader("Set-Cookie") is None
    assert response.getheader("Server") is None


@pytest.mark.clause("JC3")
def test_plain_http_only_redirects_to_https(site):
    response = site.http("/privacy/?lang=en")
    assert response.status == 301
    assert response.getheader("Location") == f"https://localhost:{site.port}/privacy/?lang=en"
    assert response.read() == b""


def test_first_run_creates_an_operator_and_prints_the_password_once(site, tmp_path):
    output = "".join(site.output)
    assert "password:" in output
    assert "operator@japan-centre.localhost" in output


def test_keys_live_outside_the_data_directory(site):
    assert (site.keys / "tls" / "localhost.key").stat().st_mode & 0o077 == 0
    assert (site.keys / "secret-key").stat().st_mode & 0o077 == 0
    data_files = [p.name for p in site.data.rglob("*") if p.is_file()]
    assert not any(name.endswith((".key", "secret-key")) for name in data_files)


def test_sqlite_is_wal_with_incremental_auto_vacuum(site):
    with sqlite3.connect(site.data / "pledge.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental


def test_second_run_does_not_create_another_operator(tmp_path):
    site = Site(tmp_path, "japan-centre.yaml")
    site.start().terminate()
    again = Site(tmp_path, "japan-centre.yaml")
    process = again.start()
    process.terminate()
    process.wait(timeout=20)
    assert "password:" not in "".join(again.output)


@pytest.mark.clause("AL5")
@pytest.mark.clause("AL4")
def test_the_alps_site_sets_no_cookie_on_any_public_page(tmp_path):
    site = Site(tmp_path, "alps.yaml")
    process = site.start()
    try:
        for path in ("/", "/privacy/", "/contact/"):
            response = site.https(path)
            body = response.read().decode()
            assert response.status == 200, path
            assert response.getheader("Set-Cookie") is None, path
            assert "<script" not in body, path
    finally:
        process.terminate()
        process.wait(timeout=20)
