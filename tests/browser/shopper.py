"""What a shop customer does in the browser, step by step, as plain functions over a page."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.support.mail import MailServer
from tests.support.site import Site

PASSWORD = "kiwi-lantern-5821"
ADDRESS = "Flat 2, 35b Panton Street\nLondon SW1Y 4EA"
MARKETING_LABEL = "Send me information about Japan Centre's products and services by email."
NO_MARKETING = "We send you no marketing."
ORDER_URL = re.compile(r"/orders/JC-[A-Z0-9-]+/$")
THANK_YOU = re.compile(r"^Thank you: order JC-")
AGREED = re.compile(r"You agreed to marketing on \d{1,2} \w+ \d{4}\.")


def new_address(who: str = "hanako") -> str:
    return f"{who}-{uuid.uuid4().hex[:10]}@example.org"


def register(
    page: Page, site: Site, *, email: str, marketing: bool, name: str = "Hanako Yamada"
) -> None:
    page.goto(site.url("/account/register/"))
    box = page.get_by_label(MARKETING_LABEL)
    expect(box).not_to_be_checked()  # opt-in: the box starts unticked
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Postal address").fill(ADDRESS)
    page.get_by_label("Telephone").fill("020 7930 6666")
    page.get_by_label("Password").fill(PASSWORD)
    if marketing:
        box.check()
    page.get_by_role("button", name="Create account").click()


def activation_link(mail: MailServer, email: str) -> str:
    message = mail.wait_for(email)[0]
    assert message.subject.startswith("Activate your Japan Centre account"), message.subject
    links = [link for link in message.links() if "/account/activate/" in link]
    assert len(links) == 1, message.body
    return links[0]


def activate(page: Page, site: Site, mail: MailServer, email: str) -> None:
    link = activation_link(mail, email)
    assert urlsplit(link).netloc == f"localhost:{site.port}", link
    assert link.startswith("https://"), link
    page.goto(link)
    page.get_by_role("button", name="Activate my account").click()
    expect(page.get_by_text("Your account is active. Please sign in.")).to_be_visible()


def sign_in(page: Page, site: Site, email: str, password: str = PASSWORD) -> None:
    page.goto(site.url("/account/sign-in/"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def new_customer(page: Page, site: Site, mail: MailServer, *, marketing: bool = False) -> str:
    """Register, activate by the emailed link and sign in; returns the address used."""
    email = new_address()
    register(page, site, email=email, marketing=marketing)
    expect(page).to_have_url(site.url("/account/check-email/"))
    activate(page, site, mail, email)
    sign_in(page, site, email)
    expect(page).to_have_url(site.url("/account/"))
    return email


def add_to_basket(page: Page, site: Site, slug: str, quantity: int = 1) -> None:
    page.goto(site.url(f"/shop/{slug}/"))
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to basket").click()
    expect(page).to_have_url(site.url("/basket/"))


def basket_lines(page: Page) -> dict[str, int]:
    """Product name -> quantity, as the basket page shows them."""
    rows = page.locator("table.lines tbody tr")
    lines = {}
    for index in range(rows.count()):
        row = rows.nth(index)
        lines[row.locator("td a").inner_text()] = int(row.locator("input").input_value())
    return lines
