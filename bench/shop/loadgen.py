"""Talking to a running site: real HTTPS requests with a cookie jar, and wrk runs parsed.

The client is deliberately plain (``http.client`` over one kept-alive TLS connection) so that
what is timed is the server's work and one round trip, not a client library's.
"""

from __future__ import annotations

import http.client
import os
import re
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

WRK = "/usr/bin/wrk"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_PRODUCT = re.compile(r'href="/shop/([a-z0-9-]+)/"')


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def csrf(self) -> str:
        match = _CSRF.search(self.body)
        if match is None:
            raise AssertionError(f"no CSRF token in the page (status {self.status})")
        return match.group(1)


@dataclass
class Client:
    """One browser-like visitor: a kept-alive HTTPS connection and the cookies it was given."""

    port: int
    cafile: Path
    cookies: dict[str, str] = field(default_factory=dict)
    _conn: http.client.HTTPSConnection | None = None

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def connection(self) -> http.client.HTTPSConnection:
        if self._conn is None:
            # The generated certificate names localhost; the site is reached by its loopback
            # address (in ALLOWED_HOSTS), so the chain is checked but not the name.
            context = ssl.create_default_context(cafile=str(self.cafile))
            context.check_hostname = False
            self._conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, context=context, timeout=60
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {"Origin": self.origin, "Referer": self.origin + path}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = self.connection()
        conn.request(method, path, body=body, headers=headers)
        raw = conn.getresponse()
        response = Response(raw.status, raw.headers, raw.read().decode("utf-8", "replace"))
        for header in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Response:
        return self.request("POST", path, form)


def first_product(client: Client) -> str:
    """The slug of the first product the catalogue lists."""
    page = client.get("/shop/")
    slugs = [slug for slug in _PRODUCT.findall(page.body) if slug]
    if page.status != 200 or not slugs:
        raise AssertionError(f"catalogue: status {page.status}, no product link")
    return slugs[0]


def basket_session(port: int, cafile: Path) -> tuple[str, str]:
    """A visitor's session with one product in the basket, made by real requests.

    Returns the ``Cookie`` header value and the product's slug (to check the basket later).
    """
    client = Client(port, cafile)
    try:
        slug = first_product(client)
        product = client.get(f"/shop/{slug}/")
        added = client.post(
            f"/shop/{slug}/add/", {"csrfmiddlewaretoken": product.csrf(), "quantity": "2"}
        )
        if added.status != 302 or not added.headers.get("Location", "").endswith("/basket/"):
            raise AssertionError(f"adding to the basket answered {added.status}")
        return client.cookie_header(), slug
    finally:
        client.close()


# --- wrk -------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    load: float  # one-minute load average when the run ended

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str, load: float) -> WrkResult:
    percentiles = {
        int(p): _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M)
    }
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if done is None or rps is None or len(percentiles) != 4:
        raise ValueError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000,
        rps=float(rps.group(1)),
        p50_ms=percentiles[50],
        p75_ms=percentiles[75],
        p90_ms=percentiles[90],
        p99_ms=percentiles[99],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        load=load,
    )


@dataclass(frozen=True)
class Load:
    """What wrk sends: connections, threads, seconds."""

    connections: int
    threads: int
    duration: int

    def command(self, url: str, cookie: str | None, duration: int | None = None) -> list[str]:
        seconds = duration if duration is not None else self.duration
        threads = min(self.threads, self.connections)
        command = [WRK, f"-t{threads}", f"-c{self.connections}", f"-d{seconds}s", "--latency"]
        command += ["--timeout", "30s"]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        return [*command, url]


def wrk(load: Load, url: str, cookie: str | None, duration: int | None = None) -> WrkResult:
    command = load.command(url, cookie, duration)
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout, os.getloadavg()[0])


def wait_until_serving(port: int, cafile: Path, timeout: float = 120) -> None:
    """Until the catalogue answers 200 (a server that listens may still be importing Django)."""
    deadline = time.monotonic() + timeout
    last: Exception | str = "no answer"
    while time.monotonic() < deadline:
        client = Client(port, cafile)
        try:
            page = client.get("/shop/")
            if page.status == 200:
                return
            last = f"status {page.status}"
        except (OSError, http.client.HTTPException) as exc:
            last = exc
        finally:
            client.close()
        time.sleep(0.3)
    raise TimeoutError(f"port {port}: not serving after {timeout:.0f}s ({last})")
