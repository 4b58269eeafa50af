"""End to end in Chromium, against a real ``pledge serve`` sending real mail over SMTP.

A japan-centre customer gets everything held about them, then has erased everything the policy
lets go, in minutes, with the rule named for what is kept.
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.browser import CHROMIUM_MISSING, chromium_available, launch, open_page
from tests.support.mail import MailServer
from tests.support.site import Site, running

NAME = "Hanako Yamada"
PASSWORD = "kiwi-lantern-5821"
MARKETING = "Send me information about Japan Centre's products and services by email."


@pytest.fixture(scope="module")
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, mail: MailServer) -> Iterator[Site]:
    with running(Site(tmp_path_factory.mktemp("rights-shop"), "japan-centre.yaml", mail.env)) as s:
        yield s


@pytest.fixture(scope="module")
def browser(shop: Site) -> Iterator[Browser]:
    if not chromium_available():
        pytest.skip(CHROMIUM_MISSING)
    with sync_playwright() as playwright:
        chromium = launch(playwright, shop)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context, page = open_page(browser, accept_downloads=True)
    yield page
    context.close()


def _link(mail: MailServer, email: str, count: int, part: str) -> str:
    message = mail.wait_for(email, count)[count - 1]
    (link,) = [link for link in message.links() if part in link]
    return link


def _customer_with_an_order(page: Page, shop: Site, mail: MailServer) -> str:
    email = f"hanako-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(shop.url("/account/register/"))
    page.get_by_label("Full name").fill(NAME)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Postal address").fill("35b Panton Street, London SW1Y 4EA")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label(MARKETING).check()
    page.get_by_role("button", name="Create account").click()
    page.goto(_link(mail, email, 1, "/account/activate/"))
    page.get_by_role("button", name="Activate my account").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(shop.url("/shop/white-miso-500g/"))
    page.get_by_role("button", name="Add to basket").click()
    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("bank transfer").check()
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/JC-[A-Z0-9-]+/$"))
    return email


def _ask(page: Page, shop: Site, email: str, choice: str) -> None:
    page.goto(shop.url("/contact/"))
    page.get_by_role("link", name="Ask on this site").click()
    page.get_by_label("Your email address").fill(email)
    page.get_by_label(choice).check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()


@pytest.mark.clause("JC1", "JC14")
def test_a_customer_gets_everything_held_then_erases_it_in_minutes(shop, mail, page):
    started = time.monotonic()
    # given a customer who registered, ticked the marketing box and placed an order
    email = _customer_with_an_order(page, shop, mail)
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]

    # when they ask on the site for a copy of their data and follow the emailed link
    _ask(page, shop, email, "A copy of everything you hold about me")
    page.goto(_link(mail, email, 2, "/rights/verify/"))
    page.get_by_role("button", name="Confirm and get my data").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))

    # then the copy holds their account, order and consent, readable and as JSON
    data = json.loads(archive.read("data.json"))
    page_text = archive.read("index.html").decode()
    assert NAME in page_text and reference in page_text and email in page_text
    categories = {c["id"] for c in data["categories"]}
    assert {"user.account", "user.behavior.purchase_history", "user.consent"} <= categories
    assert data["consents"][0]["state"] == "given"

    # when they ask for erasure and confirm it by the new link
    _ask(page, shop, email, "Erase my data")
    page.goto(_link(mail, email, 3, "/rights/verify/"))
    page.get_by_role("button", name="Confirm and erase my data").click()

    # then the page says, per kind of data, what happened, naming the rule for what is kept
    expect(page.get_by_role("heading", name="Your data is erased")).to_be_visible()
    outcomes = dict(
        page.locator("table.outcomes tbody tr").evaluate_all(
            "rows => rows.map(r => [r.cells[0].innerText, r.cells[1].innerText])"
        )
    )
    assert outcomes["Your account"].startswith("erased")
    assert outcomes["Your marketing choice"].startswith("erased")
    assert outcomes["Your orders"].startswith("kept until")
    assert "UK company and tax law" in outcomes["Your orders"]
    # and the same arrives by email, over SMTP
    answer = mail.wait_for(email, 4)[3]
    assert answer.subject.startswith("Your request R-")
    assert "- Your account: erased" in answer.body and "- Your orders: kept until" in answer.body
    # and their details are gone from the database: the profile row and its key
    assert shop.sql("SELECT count(*) FROM accounts_profile")[0][0] == 0
    assert shop.sql("SELECT count(*) FROM rights_rightsrequest WHERE status = 'done'")[0][0] == 2
    # and all of it took minutes at most
    assert time.monotonic() - started < 180


def test_an_unknown_address_sees_the_same_page_and_is_told_nothing_is_held(shop, mail, page):
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    _ask(page, shop, email, "Erase my data")
    (message,) = mail.wait_for(email)
    assert "we hold nothing under it" in message.body and not message.links()
