"""Browser tests: Debian's Chromium (never a downloaded one) driving a real ``pledge serve``.

Each module starts one server per policy (module-scoped fixtures): starting ``pledge serve``
takes seconds, and the tests of a module do not interfere (each registers its own address and
uses a fresh browser context). The browser trusts no certificate but the one the server
generated for localhost (see ``tests.support.browser``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.support.browser import CHROMIUM_MISSING, chromium_available, launch
from tests.support.mail import MailServer
from tests.support.site import Site, running


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "screenshots: writes docs/screenshots/*.png (runs in the normal suite)"
    )


@pytest.fixture(scope="session", autouse=True)
def chromium_installed() -> None:
    if not chromium_available():
        pytest.skip(CHROMIUM_MISSING)


@pytest.fixture(scope="module")
def playwright(chromium_installed: None) -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, mail: MailServer) -> Iterator[Site]:
    """The japan-centre shop, sending its mail to ``mail``, with the test payment page."""
    env = mail.env | {"PLEDGE_PAYMENT_PROVIDER": "test"}
    with running(Site(tmp_path_factory.mktemp("shop"), "japan-centre.yaml", env)) as site:
        yield site


@pytest.fixture(scope="module")
def alps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running(Site(tmp_path_factory.mktemp("alps"), "alps.yaml")) as site:
        yield site


@pytest.fixture(scope="module")
def shop_browser(playwright: Playwright, shop: Site) -> Iterator[Browser]:
    browser = launch(playwright, shop)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def alps_browser(playwright: Playwright, alps: Site) -> Iterator[Browser]:
    browser = launch(playwright, alps)
    yield browser
    browser.close()
