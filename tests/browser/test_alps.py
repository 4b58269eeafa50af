"""The alps information site in Chromium: no cookie, no script, usable with JavaScript off.

One ``pledge serve`` under ``policies/alps.yaml`` for the module. Every context here has
JavaScript disabled, as a visitor who wants to stay anonymous may have it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.screens import shoot
from tests.browser.traffic import Traffic
from tests.support.browser import open_page
from tests.support.site import Site

PUBLIC_PAGES = {"/", "/services/", "/ordering/", "/privacy/", "/contact/"}


@pytest.fixture
def visit(alps_browser: Browser) -> Iterator[tuple[BrowserContext, Page, Traffic]]:
    context, page = open_page(alps_browser, java_script_enabled=False)
    traffic = Traffic.watch(context)
    yield context, page, traffic
    context.close()


def own_links(page: Page, site: Site) -> set[str]:
    """Paths of the links on the page that lead to pages of the site itself."""
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    paths = set()
    for href in hrefs:
        url, _fragment = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == site.origin:
            paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


@pytest.mark.clause("AL4")
@pytest.mark.clause("AL5")
def test_no_page_reachable_by_links_sets_a_cookie_or_carries_a_script(alps, visit):
    context, page, traffic = visit
    # When a visitor follows every link of the site, from the home page on
    seen: dict[str, int] = {}
    scripts: dict[str, int] = {}
    queue = ["/"]
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        response = page.goto(alps.url(path))
        assert response is not None
        seen[path] = response.status
        scripts[path] = page.locator("script").count()
        queue += sorted(own_links(page, alps) - seen.keys())

    # Then it has seen every public page, each served fine
    assert seen.keys() >= PUBLIC_PAGES
    assert set(seen.values()) == {200}, seen
    # And no response set a cookie, and the browser holds none
    assert traffic.set_cookies() == []
    assert context.cookies() == []
    # And no page has a script element, and nothing was fetched from anywhere else
    assert scripts == dict.fromkeys(seen, 0)
    assert traffic.elsewhere(alps.origin) == []


@pytest.mark.clause("AL4")
@pytest.mark.clause("AL14")
def test_with_javascript_off_a_visitor_learns_what_to_order_and_where_to_write(alps, visit):
    _context, page, _traffic = visit
    # Given a visitor whose browser runs no script at all
    page.set_content(
        "<p id=js>off</p><script>document.getElementById('js').innerText='on'</script>"
    )
    expect(page.locator("#js")).to_have_text("off")
    # On the home page
    page.goto(alps.url("/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # When they follow the links a person would click
    page.get_by_role("link", name="Products and services").click()

    # Then they see the catalogue with prices
    expect(page).to_have_url(alps.url("/services/"))
    expect(page.get_by_role("cell", name="Cyan ink ribbon cassette")).to_be_visible()
    expect(page.locator("table.lines td.num").first).to_have_text(re.compile(r"^¥[\d,]+$"))

    # When they ask how to order
    page.get_by_role("link", name="How to order").first.click()

    # Then they are told to email, and shown the address to write to
    expect(page).to_have_url(alps.url("/ordering/"))
    mailto = page.locator("main a[href^='mailto:']").first
    expect(mailto).to_be_visible()
    address = (mailto.get_attribute("href") or "").removeprefix("mailto:")
    assert "@" in address

    # And the contact page and the privacy notice give the same address for questions
    page.get_by_role("link", name="Contact").first.click()
    expect(page.locator(f"main a[href='mailto:{address}']").first).to_be_visible()
    page.get_by_role("link", name="Privacy", exact=True).click()
    expect(page).to_have_url(alps.url("/privacy/"))
    expect(page.get_by_text(address).first).to_be_visible()


@pytest.mark.clause("AL4")
def test_plain_http_is_redirected_to_https_without_a_cookie(alps, visit):
    context, page, traffic = visit
    # When a visitor types the plain-HTTP address of a page
    response = page.goto(alps.http_url("/ordering/"))
    # Then the server only redirected, and the page came over HTTPS, with no cookie either way
    assert response is not None and response.status == 200
    assert page.url == alps.url("/ordering/")
    hop = response.request.redirected_from
    assert hop is not None and hop.url == alps.http_url("/ordering/")
    assert hop.response() is not None and hop.response().status == 301
    assert traffic.set_cookies() == [] and context.cookies() == []


@pytest.mark.screenshots
def test_screenshots_of_the_alps_site(alps, visit):
    _context, page, traffic = visit
    for name, path in [
        ("alps-home", "/"),
        ("alps-services", "/services/"),
        ("alps-ordering", "/ordering/"),
        ("alps-privacy", "/privacy/"),
    ]:
        response = page.goto(alps.url(path))
        assert response is not None and response.status == 200
        shoot(page, traffic, name)
    assert traffic.elsewhere(alps.origin) == []
