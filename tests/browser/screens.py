"""Screenshots for the docs: full pages, 1280 pixels wide, in ``docs/screenshots/``."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.browser.traffic import Traffic
from tests.support.site import REPO

SCREENSHOTS = REPO / "docs" / "screenshots"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def shoot(page: Page, traffic: Traffic, name: str) -> Path:
    """Save the whole page as ``<name>.png``, after checking its stylesheet was served."""
    sheets = page.locator("link[rel=stylesheet]").evaluate_all("links => links.map(l => l.href)")
    assert sheets, f"{name}: the page links no stylesheet"
    for href in sheets:
        served = [r for r in traffic.responses if r.url == href]
        assert served and served[-1].ok, f"{name}: {href} was not served"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert png_size(path)[0] == 1280, f"{name}: not 1280 pixels wide"
    return path
