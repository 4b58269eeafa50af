"""``pledge serve`` as a real process on free loopback ports, with its own data and key dirs.

Shared by the serve tests and the browser tests. A ``Site`` runs exactly what an operator runs:
the ``pledge`` command, HTTPS with the certificate it generates for localhost, and the port that
only redirects to HTTPS. Nothing of the test process leaks into it: no ``DATABASE_URL``, no
``PLEDGE_TESTING`` (so the site behaves as in production), and its own ``PLEDGE_DATA_DIR`` and
``PLEDGE_KEY_DIR`` under the test's temporary directory.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.client
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

REPO = Path(__file__).resolve().parents[2]
POLICIES = REPO / "policies"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    """One ``pledge serve`` process. ``policy`` is a file name in ``policies/`` or a path."""

    def __init__(self, tmp: Path, policy: str | Path, env: dict[str, str] | None = None):
        self.data, self.keys = tmp / "data", tmp / "keys"
        self.port, self.http_port = free_port(), free_port()
        self.policy = Path(policy) if Path(policy).is_absolute() else POLICIES / policy
        self.env = dict(env or {})
        self.output: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    # --- the process -------------------------------------------------------------------------

    def start(self) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env |= {"PLEDGE_DATA_DIR": str(self.data), "PLEDGE_KEY_DIR": str(self.keys)}
        env.pop("PLEDGE_TESTING", None)
        env |= self.env
        process = subprocess.Popen(
            [sys.executable, "-m", "pledge.cli", "serve", "--policy", str(self.policy),
             "--port", str(self.port), "--http-port", str(self.http_port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.process = process
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

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    # --- addresses ---------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def http_url(self, path: str = "/") -> str:
        return f"http://localhost:{self.http_port}{path}"

    # --- the certificate it generated --------------------------------------------------------

    @property
    def certificate_path(self) -> Path:
        return self.keys / "tls" / "localhost.crt"

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_path.read_bytes())

    def spki_sha256(self) -> str:
        """Base64 SHA-256 of the certificate's public key, as Chromium's SPKI allow-list takes."""
        der = (
            self.certificate()
            .public_key()
            .public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return base64.b64encode(hashlib.sha256(der).digest()).decode()

    # --- plain clients (no browser) ----------------------------------------------------------

    def https(self, path: str) -> http.client.HTTPResponse:
        context = ssl.create_default_context(cafile=str(self.certificate_path))
        conn = http.client.HTTPSConnection("localhost", self.port, context=context, timeout=10)
        conn.request("GET", path)
        return conn.getresponse()

    def http(self, path: str) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        conn.request("GET", path, headers={"Host": f"localhost:{self.http_port}"})
        return conn.getresponse()

    # --- its database (SQLite in the data directory) -----------------------------------------

    def sql(self, query: str, params: tuple[object, ...] = ()) -> list[tuple]:
        """Run one statement against the site's own database and return the rows."""
        with sqlite3.connect(self.data / "pledge.sqlite3", timeout=20) as db:
            return db.execute(query, params).fetchall()


@contextmanager
def running(site: Site) -> Iterator[Site]:
    """``site`` started for the block, and stopped after it however it ends."""
    try:
        site.start()
        yield site
    finally:
        site.stop()


def sqlite_time(text: str) -> dt.datetime:
    """A datetime column as Django stores it in SQLite (UTC, no offset) as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
