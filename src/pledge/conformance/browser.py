"""Debian's Chromium under Playwright, recording everything it asks for and is told.

Never a downloaded browser: the executable is the system's (``apt-get install chromium``), with
background networking, component updates and sync switched off so that every request in the
record is one the site caused. Certificates are verified; the only exception is an SPKI pin of
the certificate ``pledge serve`` generated for itself (in ``PLEDGE_KEY_DIR/tls``) and of any
certificate given with ``--trust-cert``, so a self-signed site is trusted by its key and
nothing else is.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pledge.conformance.record import Exchange, JarCookie, SetCookie, Visit

if TYPE_CHECKING:
    # Playwright is needed only when a visit runs; importing it lazily lets the store scans
    # and the reports work on a server that has no browser.
    from playwright.sync_api import Browser, BrowserContext, Request

CHROMIUM = Path(os.environ.get("PLEDGE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
VIEWPORT = {"width": 1280, "height": 800}
# Added to the browser's own User-Agent, so the site's statistics can leave conformance visits
# out as they leave out synthetic subjects.
AGENT_MARK = "pledge-conform/1"


class BrowserMissing(RuntimeError):
    """Chromium or Playwright is not installed: the site checks cannot run."""


def spki_pin(certificate: Path) -> str:
    """Base64 SHA-256 of a certificate's public key, the form Chromium's allow-list takes."""
    cert = x509.load_pem_x509_certificate(certificate.read_bytes())
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def launch_args(trusted: list[Path]) -> list[str]:
    pins = [spki_pin(path) for path in trusted if path.exists()]
    extra = [f"--ignore-certificate-errors-spki-list={','.join(pins)}"] if pins else []
    return [*CHROMIUM_ARGS, *extra]


@dataclass
class Recorder:
    """Collects a browser context's requests; ``flush`` turns them into ``Exchange`` records.

    Playwright's event handlers only keep the request objects (and the page they came from,
    which is only known at that moment); headers are read in ``flush``, from the main flow,
    while the context is still open.
    """

    visit: Visit
    step: str = "crawl"
    _pending: list[tuple[Request, str, str, bool]] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("request", self._on_request)

    def _on_request(self, request: Request) -> None:
        try:
            frame = request.frame
            page_url, top = frame.url, frame.parent_frame is None
        except Exception:  # a service worker's request has no frame
            page_url, top = "", False
        navigation = bool(top and request.is_navigation_request())
        self._pending.append((request, self.step, page_url, navigation))

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for request, step, page_url, navigation in pending:
            self.visit.exchanges.append(_exchange(request, step, page_url, navigation))


def _exchange(request: Request, step: str, page_url: str, navigation: bool) -> Exchange:
    previous = request.redirected_from
    exchange = Exchange(
        step=step,
        method=request.method,
        url=request.url,
        resource_type=request.resource_type,
        navigation=navigation,
        page=page_url,
        redirected_from=previous.url if previous is not None else None,
    )
    try:
        response = request.response()
    except Exception as exc:  # the context may have gone; say so, do not guess
        exchange.failure = f"response not readable ({type(exc).__name__})"
        return exchange
    if response is None:
        exchange.failure = request.failure or "no response"
        return exchange
    exchange.status = response.status
    try:
        lines = response.headers_array()
    except Exception:  # fall back to the merged headers
        lines = [{"name": k, "value": v} for k, v in response.headers.items()]
    for header in lines:
        name = header["name"].lower()
        if name == "set-cookie":
            exchange.set_cookies += [
                SetCookie.parse(exchange.url, line) for line in header["value"].split("\n") if line
            ]
        else:
            exchange.headers[name] = header["value"]
    return exchange


def new_context(browser: Browser) -> BrowserContext:
    """A fresh profile (no cookies, no cache), its User-Agent marked as a conformance visit."""
    probe = browser.new_context()
    try:
        agent = probe.new_page().evaluate("navigator.userAgent")
    finally:
        probe.close()
    marked = f"{agent} {AGENT_MARK}"
    return browser.new_context(viewport=VIEWPORT, user_agent=marked)  # type: ignore[arg-type]


def jar_of(context: BrowserContext) -> list[JarCookie]:
    return [
        JarCookie(
            name=c["name"],
            domain=c["domain"],
            path=c["path"],
            expires=float(c["expires"]),
            secure=bool(c["secure"]),
            http_only=bool(c["httpOnly"]),
            same_site=str(c.get("sameSite", "")),
        )
        for c in context.cookies()
    ]


@contextmanager
def chromium(trusted: list[Path]) -> Iterator[Browser]:
    """A running Debian Chromium (a Playwright ``Browser``); closed however the block ends."""
    if not os.access(CHROMIUM, os.X_OK):
        raise BrowserMissing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserMissing(f"Playwright for Python is not installed ({exc})") from None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=launch_args(trusted)
        )
        try:
            yield browser
        finally:
            browser.close()
