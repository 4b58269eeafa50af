"""``pledge serve`` as a real process: HTTPS, the HTTP redirect, first-run set-up."""

from __future__ import annotations

import http.client
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    def __init__(self, tmp: Path, policy: str):
        self.data, self.keys = tmp / "data", tmp / "keys"
        self.port, self.http_port = _free_port(), _free_port()
        self.policy = REPO / "policies" / policy
        self.output: list[str] = []

    def start(self) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env |= {"PLEDGE_DATA_DIR": str(self.data), "PLEDGE_KEY_DIR": str(self.keys)}
        env.pop("PLEDGE_TESTING", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "pledge.cli", "serve", "--policy", str(self.policy),
             "--port", str(self.port), "--http-port", str(self.http_port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise AssertionError("pledge serve exited:\n" + "".join(self.output))
            self.output.append(line)
            if "redirects to HTTPS" in line:
                break
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return process
            time.sleep(0.05)
        raise AssertionError("pledge serve did not listen:\n" + "".join(self.output))

    def https(self, path: str) -> http.client.HTTPResponse:
        context = ssl.create_default_context(cafile=str(self.keys / "tls" / "localhost.crt"))
        conn = http.client.HTTPSConnection("localhost", self.port, context=context, timeout=10)
        conn.request("GET", path)
        return conn.getresponse()

    def http(self, path: str) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        conn.request("GET", path, headers={"Host": f"localhost:{self.http_port}"})
        return conn.getresponse()


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
