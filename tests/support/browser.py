"""Debian's Chromium under Playwright, trusting only the certificates of the sites under test."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from tests.support.site import Site

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium not installed: apt-get install chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def chromium_args(*sites: Site) -> list[str]:
    """The agreed flags, plus an SPKI allow-list holding only the sites' own generated keys.

    No ``ignore_https_errors``: a certificate whose key is not one of these fails to load.
    """
    pins = ",".join(site.spki_sha256() for site in sites)
    return [*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={pins}"]


def launch(playwright: Playwright, *sites: Site, **options: object) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=chromium_args(*sites),
        **options,  # type: ignore[arg-type]
    )


def launch_profile(playwright: Playwright, profile: Path, *sites: Site) -> BrowserContext:
    """Chromium with a profile on disk, as a person's own browser keeps one between runs."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=chromium_args(*sites), viewport=VIEWPORT
    )


def open_page(browser: Browser, **options: object) -> tuple[BrowserContext, Page]:
    """A fresh browser context (no cookies, no cache) and a page in it, 1280 pixels wide."""
    context = browser.new_context(viewport=VIEWPORT, **options)  # type: ignore[arg-type]
    return context, context.new_page()
