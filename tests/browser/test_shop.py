"""The japan-centre shop in Chromium, over HTTPS, against a real ``pledge serve``.

One server (and one loopback SMTP server it sends to) for the module; every test uses a fresh
browser context and its own email address, so the tests do not see each other's state.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from pledge.policy import load
from tests.browser import shopper
from tests.browser.screens import shoot
from tests.browser.shopper import MARKETING_LABEL, NO_MARKETING, PASSWORD
from tests.browser.traffic import Traffic
from tests.support.browser import launch, launch_profile, open_page
from tests.support.mail import MailServer
from tests.support.site import POLICIES, Site, running, sqlite_time

CARD = "4111 1111 1111 1111"  # a Visa test number: right prefix, length and Luhn digit
JAN = "4901234567894"  # a JAN (EAN-13) barcode: 13 digits starting 49, not a card number
CARD_REFUSED = "This looks like a payment card number."


@pytest.fixture
def visit(shop_browser: Browser) -> Iterator[tuple[BrowserContext, Page, Traffic]]:
    context, page = open_page(shop_browser)
    traffic = Traffic.watch(context)
    yield context, page, traffic
    context.close()


def consent_rows(site: Site) -> dict[str, tuple[int, str]]:
    """Marketing consent records in the site's database: id -> (given, form)."""
    rows = site.sql(
        "SELECT id, given, form FROM accounts_consentrecord WHERE purpose = ?", ("marketing",)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def count(site: Site, table: str) -> int:
    return site.sql(f"SELECT count(*) FROM {table}")[0][0]


def assert_only_the_basket_cookie(context: BrowserContext, traffic: Traffic) -> None:
    """The one declared cookie, as declared: no expiry, Secure, HttpOnly, SameSite=Lax."""
    for cookie in context.cookies():
        assert cookie["name"] == "basket", cookie
        assert cookie["expires"] == -1, cookie  # a browser-session cookie
        assert cookie["secure"] and cookie["httpOnly"], cookie
        assert cookie["sameSite"] == "Lax", cookie
    for header in traffic.set_cookies():
        assert header.name == "basket", header
        if header.deletes:
            continue  # signing out removes it; removing is always allowed
        assert not header.persistent, header
        assert {"secure", "httponly"} <= header.attributes.keys(), header
        assert header.attributes.get("samesite") == "Lax", header


def session_idle_seconds(policy: Path) -> int:
    idle = load(policy).accounts.session_idle
    assert not (idle.years or idle.months), "an idle time in calendar months is not a duration"
    return idle.days * 86400 + idle.hours * 3600


def stored_expiry(site: Site, session_key: str) -> dt.datetime | None:
    rows = site.sql("SELECT expire_date FROM django_session WHERE session_key = ?", (session_key,))
    return sqlite_time(rows[0][0]) if rows else None


def basket_cookie(context: BrowserContext) -> str:
    (cookie,) = [c for c in context.cookies() if c["name"] == "basket"]
    return cookie["value"]


# --- registration and consent (JC10) ----------------------------------------------------------


@pytest.mark.clause("JC10")
@pytest.mark.parametrize("ticked", [False, True], ids=["box-unticked", "box-ticked"])
def test_marketing_consent_is_exactly_what_the_registration_box_said(shop, mail, visit, ticked):
    _context, page, _traffic = visit
    before = consent_rows(shop)
    email = shopper.new_address()

    # Given a visitor who registers, ticking the marketing box or leaving it as it came (unticked)
    shopper.register(page, shop, email=email, marketing=ticked)
    expect(page).to_have_url(shop.url("/account/check-email/"))
    # When they follow the link the site mailed them (a real SMTP delivery), and sign in
    shopper.activate(page, shop, mail, email)
    shopper.sign_in(page, shop, email)

    # Then their account page shows the choice they made, box and words alike
    expect(page).to_have_url(shop.url("/account/"))
    box = page.get_by_label(MARKETING_LABEL)
    if ticked:
        expect(box).to_be_checked()
        expect(page.get_by_text(shopper.AGREED)).to_be_visible()
        expect(page.get_by_text(NO_MARKETING)).to_have_count(0)
    else:
        expect(box).not_to_be_checked()
        expect(page.get_by_text(NO_MARKETING)).to_be_visible()
        expect(page.get_by_text("You agreed to marketing")).to_have_count(0)
    # And the database holds one consent record for them, from the registration form
    new = {k: v for k, v in consent_rows(shop).items() if k not in before}
    assert list(new.values()) == [(int(ticked), "registration")]


def test_registering_an_address_twice_reveals_nothing_and_tells_the_owner(shop, mail, visit):
    _context, page, _traffic = visit
    email = shopper.new_address("taken")
    accounts = count(shop, "accounts_user")

    # Given someone registered an address
    shopper.register(page, shop, email=email, marketing=False)
    first_url, first_page = page.url, page.locator("main").inner_html()
    mail.wait_for(email, count=1)

    # When someone registers the same address again, with other details
    shopper.register(page, shop, email=email, marketing=True, name="Somebody Else")

    # Then they see exactly the page a new registration sees
    assert page.url == first_url == shop.url("/account/check-email/")
    assert page.locator("main").inner_html() == first_page
    # And no second account exists; the owner gets an "already has one" message, with no link
    # that would activate anything
    assert count(shop, "accounts_user") == accounts + 1
    first, second = mail.wait_for(email, count=2)
    assert first.subject.startswith("Activate your")
    assert "already has one" in second.body
    assert not [link for link in second.links() if "/activate/" in link]
    assert shop.url("/account/sign-in/") in second.links()


# --- the basket cookie (JC11) -----------------------------------------------------------------


@pytest.mark.clause("JC11")
def test_the_basket_survives_navigation_in_one_browser_session_cookie(shop, visit):
    context, page, traffic = visit

    # Given a first visit to the home page: nothing stored, so no cookie at all
    page.goto(shop.url("/"))
    assert context.cookies() == []

    # When the visitor fills a basket and wanders about the site
    shopper.add_to_basket(page, shop, "matcha-30g", 2)
    shopper.add_to_basket(page, shop, "koshihikari-rice-2kg")
    key = basket_cookie(context)
    for path in ("/", "/shop/", "/shop/shoyu-1l/", "/privacy/", "/contact/", "/account/sign-in/"):
        page.goto(shop.url(path))
        expect(page.get_by_role("link", name="Basket 3")).to_be_visible()
    page.get_by_role("link", name="Basket 3").click()

    # Then the basket still holds what they chose, behind the same one cookie
    assert shopper.basket_lines(page) == {"Uji Matcha 30g": 2, "Koshihikari Rice 2kg": 1}
    assert basket_cookie(context) == key
    (cookie,) = context.cookies()
    assert cookie["name"] == "basket"
    assert cookie["expires"] == -1  # no Expires or Max-Age: the browser drops it on closing
    assert cookie["secure"] is True
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert_only_the_basket_cookie(context, traffic)


@pytest.mark.clause("JC11")
def test_closing_chromium_deletes_the_basket_cookie(playwright: Playwright, shop, tmp_path):
    profile = tmp_path / "profile"
    # Given a person's own Chromium, with a profile kept on disk, and a basket
    chromium = launch_profile(playwright, profile, shop)
    try:
        shopper.add_to_basket(chromium.new_page(), shop, "pocky-chocolate")
        assert [c["name"] for c in chromium.cookies()] == ["basket"]
    finally:
        # When they close Chromium
        chromium.close()

    # And start it again on the same profile
    chromium = launch_profile(playwright, profile, shop)
    try:
        # Then the cookie is gone, and with it the way to the basket
        assert chromium.cookies() == []
        page = chromium.new_page()
        page.goto(shop.url("/basket/"))
        expect(page.get_by_text("Your basket is empty.")).to_be_visible()
    finally:
        chromium.close()


@pytest.mark.clause("JC11")
def test_the_server_forgets_a_basket_idle_for_the_policy_time(shop, visit):
    context, page, _traffic = visit
    idle = session_idle_seconds(shop.policy)
    assert idle == 2 * 3600  # japan-centre: "Forgotten two hours after your last visit"

    # Given a basket on the server
    shopper.add_to_basket(page, shop, "genmaicha-200g")
    key = basket_cookie(context)
    first = stored_expiry(shop, key)
    assert first is not None
    # Then the server keeps it for the policy's idle time from now, and no longer
    now = dt.datetime.now(dt.UTC)
    assert now + dt.timedelta(seconds=idle - 60) < first <= now + dt.timedelta(seconds=idle + 5)

    # And every page visited starts the idle time again
    time.sleep(1.1)
    page.goto(shop.url("/shop/"))
    later = stored_expiry(shop, key)
    assert later is not None and later > first

    # When the idle time passes (simulated: the stored expiry is moved to the past, as the
    # clock would; the real wait is in the short-idle test below)
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    shop.sql("UPDATE django_session SET expire_date = ? WHERE session_key = ?", (past, key))

    # Then the same key, presented again, no longer opens the basket
    response = page.goto(shop.url("/basket/"))
    assert response is not None
    assert f"basket={key}" in (response.request.header_value("cookie") or "")
    expect(page.get_by_text("Your basket is empty.")).to_be_visible()
    expect(page.get_by_role("link", name="Basket", exact=True)).to_be_visible()
    # And the server tells the browser to drop the cookie that leads nowhere now
    assert context.cookies() == []


@pytest.mark.clause("JC11")
def test_a_short_idle_time_in_the_policy_forgets_the_basket_in_seconds(
    playwright: Playwright, mail: MailServer, tmp_path
):
    text = (POLICIES / "japan-centre.yaml").read_text(encoding="utf-8")
    assert "session_idle: 2h" in text
    policy = tmp_path / "japan-centre-short-idle.yaml"
    policy.write_text(text.replace("session_idle: 2h", "session_idle: 3s"), encoding="utf-8")

    # Given a shop whose policy forgets a basket three seconds after the last page
    with running(Site(tmp_path / "site", policy, mail.env)) as site:
        browser = launch(playwright, site)
        try:
            context, page = open_page(browser)
            shopper.add_to_basket(page, site, "dorayaki-4")
            key = basket_cookie(context)
            expiry = stored_expiry(site, key)
            assert expiry is not None
            # Then the session lives three seconds (SESSION_COOKIE_AGE follows the policy)
            remaining = (expiry - dt.datetime.now(dt.UTC)).total_seconds()
            assert 0 < remaining <= 3.5
            # When the visitor stays away longer than that
            time.sleep(4)
            # Then the same key, presented again, finds no basket
            page.goto(site.url("/basket/"))
            expect(page.get_by_text("Your basket is empty.")).to_be_visible()
            assert stored_expiry(site, key) is None or stored_expiry(site, key) < dt.datetime.now(
                dt.UTC
            )
        finally:
            browser.close()


# --- nothing goes elsewhere (JC12) and only over HTTPS (JC3) ----------------------------------


@pytest.mark.clause("JC12")
def test_every_request_a_page_makes_goes_to_the_site_itself(shop, visit):
    _context, page, traffic = visit
    # When a visitor goes through every kind of public page, basket and checkout included
    for path in ("/", "/shop/", "/shop/matcha-30g/"):
        page.goto(shop.url(path))
    page.get_by_role("button", name="Add to basket").click()  # the basket, then checkout
    expect(page).to_have_url(shop.url("/basket/"))
    page.get_by_role("link", name="Go to checkout").click()
    expect(page).to_have_url(shop.url("/checkout/"))
    for path in ("/privacy/", "/contact/", "/account/register/", "/account/sign-in/"):
        page.goto(shop.url(path))

    # Then every request went to the site's own origin, the stylesheet included
    assert traffic.elsewhere(shop.origin) == []
    assert shop.url("/checkout/") in traffic.urls()
    assert any("/static/" in url and url.endswith(".css") for url in traffic.urls())
    # And the browser reported nothing blocked or broken on the way
    assert traffic.console_errors == []


@pytest.mark.clause("JC3")
def test_plain_http_takes_the_browser_to_https_before_anything_is_typed(shop, visit):
    _context, page, traffic = visit
    # When a visitor types the plain-HTTP address of the sign-in page
    response = page.goto(shop.http_url("/account/sign-in/?next=/basket/"))

    # Then the server answered only with a permanent redirect, and the page came over HTTPS
    assert response is not None
    assert page.url == shop.url("/account/sign-in/?next=/basket/")
    hop = response.request.redirected_from
    assert hop is not None and hop.url == shop.http_url("/account/sign-in/?next=/basket/")
    hop_response = hop.response()
    assert hop_response is not None and hop_response.status == 301
    assert response.status == 200
    assert response.header_value("strict-transport-security").startswith("max-age=")
    # And it was served with the certificate the site generated for localhost (the browser
    # trusts that key and no other)
    certificate = shop.certificate()
    details = response.security_details()
    assert details is not None
    assert details["subjectName"] == "localhost"
    assert details["validFrom"] == certificate.not_valid_before_utc.timestamp()
    assert details["validTo"] == certificate.not_valid_after_utc.timestamp()
    # And its form posts back over HTTPS to the same site
    actions = page.locator("form").evaluate_all("forms => forms.map(f => f.action)")
    assert actions and all(action.startswith(shop.origin + "/") for action in actions)
    # And no personal data was sent over plain HTTP: the only HTTP request was the first GET
    plain = [r for r in traffic.requests if r.url.startswith("http://")]
    assert [(r.method, r.url) for r in plain] == [("GET", hop.url)]


# --- card numbers are refused (JC5) -----------------------------------------------------------


@pytest.mark.clause("JC5")
def test_a_card_number_in_the_delivery_address_is_refused_beside_the_field(shop, visit):
    _context, page, _traffic = visit
    orders = count(shop, "shop_order")
    shopper.add_to_basket(page, shop, "udon-noodles-200g")
    page.goto(shop.url("/checkout/"))
    assert page.locator("input[autocomplete^='cc-'], input[name*='card']").count() == 0

    # When a guest types a card number into the delivery address and places the order
    page.get_by_label("Name for delivery").fill("Taro Suzuki")
    page.get_by_label("Email address").fill("taro@example.org")
    page.get_by_label("Telephone (for the courier)").fill("07700 900123")
    page.get_by_label("Delivery address").fill(CARD)
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("bank transfer").check()
    page.get_by_role("button", name="Place order").click()

    # Then the order is refused, with the reason beside the address field
    expect(page).to_have_url(shop.url("/checkout/"))
    field = page.locator(".field.has-error")
    expect(field).to_have_count(1)
    expect(field.locator("#id_address")).to_have_count(1)
    expect(field.locator(".error")).to_contain_text(CARD_REFUSED)
    assert count(shop, "shop_order") == orders
    # And everything else they typed is still there
    expect(page.get_by_label("Name for delivery")).to_have_value("Taro Suzuki")
    expect(page.get_by_label("Email address")).to_have_value("taro@example.org")
    expect(page.get_by_label("Telephone (for the courier)")).to_have_value("07700 900123")
    expect(page.get_by_label("Country")).to_have_value("IE")
    expect(page.get_by_label("bank transfer")).to_be_checked()

    # When they write a product's JAN barcode there instead (13 digits, but not a card)
    page.get_by_label("Delivery address").fill(f"Re: item {JAN}\n4 Merrion Square, Dublin 2")
    page.get_by_role("button", name="Place order").click()

    # Then the order goes through
    expect(page).to_have_url(shopper.ORDER_URL)
    expect(page.get_by_role("heading", name=shopper.THANK_YOU)).to_be_visible()
    assert count(shop, "shop_order") == orders + 1


@pytest.mark.clause("JC5")
def test_a_card_number_on_the_registration_form_is_refused_and_the_password_not_kept(
    shop, mail, visit
):
    _context, page, _traffic = visit
    email = shopper.new_address("card")
    accounts = count(shop, "accounts_user")
    page.goto(shop.url("/account/register/"))

    # When a visitor puts a card number in their postal address
    page.get_by_label("Full name").fill("Jiro Tanaka")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Postal address").fill(f"card {CARD}")
    page.get_by_label("Telephone").fill("020 7946 0000")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label(MARKETING_LABEL).check()
    page.get_by_role("button", name="Create account").click()

    # Then no account is opened, and the reason is given beside the address
    expect(page).to_have_url(shop.url("/account/register/"))
    field = page.locator(".field.has-error")
    expect(field).to_have_count(1)
    expect(field.locator("#id_postal_address")).to_have_count(1)
    expect(field.locator(".error")).to_contain_text(CARD_REFUSED)
    assert count(shop, "accounts_user") == accounts
    # And the other details are kept for them to correct, except the password
    expect(page.get_by_label("Full name")).to_have_value("Jiro Tanaka")
    expect(page.get_by_label("Email address")).to_have_value(email)
    expect(page.get_by_label("Telephone")).to_have_value("020 7946 0000")
    expect(page.get_by_label(MARKETING_LABEL)).to_be_checked()
    expect(page.get_by_label("Password")).to_have_value("")
    assert mail.to(email) == []


# --- the whole journey (the "done when") ----------------------------------------------


@pytest.mark.clause("JC3")
@pytest.mark.clause("JC11")
@pytest.mark.clause("JC13")
def test_a_customer_registers_shops_pays_by_transfer_stops_marketing_and_closes(shop, mail, visit):
    context, page, traffic = visit

    # Given a person who registers, ticking the marketing box, and activates by email
    email = shopper.new_customer(page, shop, mail, marketing=True)
    expect(page.get_by_label(MARKETING_LABEL)).to_be_checked()

    # When they shop and check out by bank transfer, their details filled in from the account
    shopper.add_to_basket(page, shop, "white-miso-500g", 3)
    page.get_by_role("link", name="Go to checkout").click()
    expect(page.get_by_label("Email address")).to_have_value(email)
    expect(page.get_by_label("Name for delivery")).to_have_value("Hanako Yamada")
    page.get_by_label("bank transfer").check()
    page.get_by_role("button", name="Place order").click()

    # Then the order is confirmed with what to pay, to whom, quoting which reference
    expect(page).to_have_url(shopper.ORDER_URL)
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_role("heading", name="Pay by bank transfer")).to_be_visible()
    expect(page.get_by_text(f"quoting {reference}")).to_be_visible()
    expect(page.get_by_text("Status: awaiting payment")).to_be_visible()

    # And their account lists the order
    page.goto(shop.url("/account/"))
    expect(page.get_by_role("link", name=reference)).to_be_visible()

    # When they untick the marketing box and save
    before = consent_rows(shop)
    page.get_by_label(MARKETING_LABEL).uncheck()
    page.get_by_role("button", name="Save").click()

    # Then the account page says at once that no marketing is sent, and the record says so
    expect(page).to_have_url(shop.url("/account/"))
    expect(page.get_by_text(NO_MARKETING)).to_be_visible()
    expect(page.get_by_label(MARKETING_LABEL)).not_to_be_checked()
    new = [v for k, v in consent_rows(shop).items() if k not in before]
    assert new == [(0, "account")]

    # When they close the account
    page.get_by_role("link", name="Close my account").click()
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Close my account").click()

    # Then they see, per kind of data, what happened: account erased, orders kept by law
    expect(page.get_by_role("heading", name="Your account is closed")).to_be_visible()
    outcomes = dict(
        page.locator("table.outcomes tbody tr").evaluate_all(
            "rows => rows.map(r => [r.cells[0].innerText, r.cells[1].innerText])"
        )
    )
    assert outcomes["Your account"].startswith("erased")
    assert outcomes["Your password"].startswith("erased")
    assert outcomes["Your marketing choice"].startswith("erased")
    assert outcomes["Your orders"].startswith("kept until")
    assert "six years" in outcomes["Your orders"]
    assert consent_rows(shop).keys() <= before.keys()  # their consent history went too

    # And they can no longer sign in
    shopper.sign_in(page, shop, email)
    expect(page.get_by_text("do not match an account")).to_be_visible()

    # And throughout, every request was HTTPS to the site, with only the declared cookie
    assert traffic.elsewhere(shop.origin) == []
    assert_only_the_basket_cookie(context, traffic)
    assert {c.name for c in traffic.set_cookies()} == {"basket"}


# --- screenshots ------------------------------------------------------------------------------


@pytest.mark.screenshots
def test_screenshots_of_the_shop(shop, mail, visit):
    _context, page, traffic = visit
    page.goto(shop.url("/"))
    shoot(page, traffic, "japan-centre-home")
    page.goto(shop.url("/shop/"))
    shoot(page, traffic, "japan-centre-shop")
    page.goto(shop.url("/shop/matcha-30g/"))
    shoot(page, traffic, "japan-centre-product")
    page.goto(shop.url("/privacy/"))
    shoot(page, traffic, "japan-centre-privacy")

    shopper.new_customer(page, shop, mail, marketing=False)
    shopper.add_to_basket(page, shop, "matcha-30g")
    shopper.add_to_basket(page, shop, "hinoki-chopsticks", 2)
    shoot(page, traffic, "japan-centre-basket")
    page.get_by_role("link", name="Go to checkout").click()
    shoot(page, traffic, "japan-centre-checkout")
    page.get_by_label("bank transfer").check()
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(shopper.ORDER_URL)
    shoot(page, traffic, "japan-centre-order")
    page.goto(shop.url("/account/"))
    shoot(page, traffic, "japan-centre-account")
    assert traffic.elsewhere(shop.origin) == []
