"""Each site check against hand-made records of a visit: kept where the promise holds, broken
with the evidence where it does not, an error where it cannot tell. No browser, no server."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.conformance.checks.base import SiteCheck, SiteContext
from pledge.conformance.checks.cards import NoCardField, card_field
from pledge.conformance.checks.cookies import CookieAttributes, CookieLifetimes, DeclaredCookies
from pledge.conformance.checks.notice import NoticeServed, served_fragment
from pledge.conformance.checks.parties import FirstPartyOnly
from pledge.conformance.checks.transport import FormsOverHttps, Hsts, HttpRedirects, HttpsEverywhere
from pledge.conformance.record import Exchange, SetCookie
from pledge.conformance.results import Status, Verdict
from pledge.policy import Policy, load
from pledge.policy.notice import render
from tests.conformance.records import ORIGIN, document, field, form, page, probe, visit

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SHOP = load(POLICIES / "japan-centre.yaml")
ALPS = load(POLICIES / "alps.yaml")
BASKET = "basket=k1; HttpOnly; Path=/; SameSite=Lax; Secure"


def run(check: type[SiteCheck], record, policy=SHOP):
    return check().run(SiteContext(policy, record))


# --- cookies ------------------------------------------------------------------------------


def test_a_set_cookie_header_is_read_without_its_value():
    header = SetCookie.parse(ORIGIN, "basket=secret-session-key; Max-Age=60; Secure")
    assert header.name == "basket" and header.persistent and not header.deletes
    assert header.shown() == "basket=…; Max-Age=60; Secure"
    assert SetCookie.parse(ORIGIN, 'basket=""; Max-Age=0; Path=/').deletes


@pytest.mark.clause("JC11")
def test_the_declared_basket_cookie_as_declared_is_kept():
    record = visit(page("/"), exchanges=[document(f"{ORIGIN}/", cookies=[BASKET])])
    for check in (DeclaredCookies, CookieLifetimes, CookieAttributes):
        assert run(check, record).status is Status.KEPT, check


@pytest.mark.clause("JC11")
def test_a_declared_cookie_never_set_breaks_the_equality():
    result = run(DeclaredCookies, visit(page("/")))
    assert result.status is Status.BROKEN
    assert "declared cookie 'basket' was never set during the visit" in result.evidence[0].text


@pytest.mark.clause("JC3", "JC11")
def test_a_basket_cookie_without_secure_or_with_another_samesite_is_named():
    bad = "basket=k1; HttpOnly; Path=/; SameSite=None"
    result = run(CookieAttributes, visit(exchanges=[document(f"{ORIGIN}/", cookies=[bad])]))
    assert result.status is Status.BROKEN
    assert result.clauses == ("JC3", "JC11")
    assert "'basket' is not Secure; 'basket' is SameSite=None, not Lax" in result.evidence[0].text


@pytest.mark.clause("AL5")
def test_deleting_a_cookie_is_not_setting_one():
    forget = 'session=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
    record = visit(exchanges=[document(f"{ORIGIN}/", cookies=[forget])])
    assert run(DeclaredCookies, record, ALPS).status is Status.KEPT


def test_checks_of_declared_cookies_do_not_apply_where_none_is_declared():
    result = run(CookieLifetimes, visit(), ALPS)
    assert result.status is Status.NOT_APPLICABLE
    assert "declares no cookie for visitors" in result.summary


# --- transport ----------------------------------------------------------------------------


@pytest.mark.clause("JC3")
def test_a_subresource_over_plain_http_is_named():
    image = Exchange("crawl", "GET", "http://shop.test/logo.png", "image", False, f"{ORIGIN}/")
    record = visit(exchanges=[document(f"{ORIGIN}/"), image])
    result = run(HttpsEverywhere, record)
    assert result.status is Status.BROKEN
    assert result.evidence[0].text == "GET http://shop.test/logo.png (image) over plain HTTP"


@pytest.mark.clause("JC3")
def test_a_page_served_over_plain_http_instead_of_redirected_is_named():
    # given the plain-HTTP port answers one page itself, and sends another elsewhere
    record = visit(http_base="http://shop.test")
    record.probes = [
        probe("/"),
        probe("/contact/", status=200, location=""),
        probe("/privacy/", location="https://elsewhere.test/privacy/"),
        probe("/basket/", cookies=("basket=1; Path=/",)),
    ]
    result = run(HttpRedirects, record)
    assert result.status is Status.BROKEN
    texts = [e.text for e in result.evidence]
    assert "answered 200 instead of a redirect" in texts
    assert f"redirects to https://elsewhere.test/privacy/, not to {ORIGIN}/privacy/" in texts
    assert "sets a cookie over plain HTTP: basket" in texts


def test_without_the_plain_http_address_the_redirect_is_not_applicable_and_says_why():
    result = run(HttpRedirects, visit())
    assert result.status is Status.NOT_APPLICABLE
    assert "give --http-port" in result.summary


@pytest.mark.clause("JC3")
def test_hsts_shorter_than_the_policy_is_named():
    short = document(f"{ORIGIN}/", headers={"strict-transport-security": "max-age=3600"})
    result = run(Hsts, visit(exchanges=[short]))
    assert result.status is Status.BROKEN
    assert "max-age=3600 (< 31536000)" in result.evidence[0].text


@pytest.mark.clause("JC3")
def test_a_form_button_overriding_the_action_with_http_is_named():
    login = form("/account/sign-in/", f"{ORIGIN}/account/sign-in/", field("email"))
    sneaky = form("/basket/", f"{ORIGIN}/basket/", field("quantity-1"))
    sneaky = sneaky.__class__(sneaky.page, sneaky.action, "post", (), ("http://shop.test/x/",))
    result = run(FormsOverHttps, visit(page("/", forms=[login, sneaky])))
    assert result.status is Status.BROKEN
    assert result.evidence[0].text == "a POST form posts to http://shop.test/x/"


# --- third parties --------------------------------------------------------------------------


def _redirect(url: str, previous: str, **extra: object) -> Exchange:
    return document(url, headers={}, redirected_from=previous, **extra)


@pytest.mark.clause("JC12")
def test_a_redirect_from_checkout_to_a_declared_processor_is_allowed():
    post = document(f"{ORIGIN}/checkout/", status=302, method="POST")
    hop = _redirect("https://pay.processor.test/session/1", post.url, page=f"{ORIGIN}/checkout/")
    asset = Exchange(
        "journey", "GET", "https://cdn.processor.test/pay.js", "script", False,
        "https://pay.processor.test/session/1", status=200,
    )  # fmt: skip
    result = run(FirstPartyOnly, visit(exchanges=[document(f"{ORIGIN}/"), post, hop, asset]))
    assert result.status is Status.KEPT, result
    assert "allowed: redirect at checkout to the declared processor" in result.evidence[0].text


@pytest.mark.clause("AL9")
def test_the_checkout_exception_needs_a_declared_processor_and_the_checkout():
    post = document(f"{ORIGIN}/checkout/", status=302, method="POST")
    hop = _redirect("https://pay.processor.test/session/1", post.url)
    # alps declares no processor: the same redirect is a request to another site
    assert run(FirstPartyOnly, visit(exchanges=[post, hop]), ALPS).status is Status.BROKEN
    # and under japan-centre, a redirect from any other page is one too
    other = document(f"{ORIGIN}/basket/", status=302)
    away = _redirect("https://pay.processor.test/session/2", other.url)
    assert run(FirstPartyOnly, visit(exchanges=[other, away])).status is Status.BROKEN


@pytest.mark.clause("JC12")
def test_a_form_posting_to_another_site_is_a_request_to_a_third_party():
    outside = form("/", "https://newsletter.example/subscribe", field("email", type="email"))
    result = run(FirstPartyOnly, visit(page("/", forms=[outside])))
    assert result.status is Status.BROKEN
    assert result.evidence[0].text == "a form posts to https://newsletter.example/subscribe"


# --- card fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("made", "why"),
    [
        (field("pan", autocomplete="cc-number"), 'autocomplete="cc-number"'),
        (field("cardNumber"), "named 'cardNumber'"),
        (field("cvc", type="tel"), "named 'cvc'"),
        (field("x1", label="Security code"), "labelled 'Security code'"),
        (field("expiry_date"), "named 'expiry_date'"),
    ],
)
def test_a_field_for_card_details_is_recognised_by_mark_name_or_label(made, why):
    assert card_field(made) == why


@pytest.mark.parametrize(
    "made",
    [
        field("payment_method", type="radio", label="card, on our payment provider's page",
              value="hosted-card-page"),
        field("name", label="Name for delivery"),
        field("postal_address", tag="textarea", label="Postal address"),
        field("csrfmiddlewaretoken", type="hidden"),
        field("discard_notes", label="Notes"),
    ],
)  # fmt: skip
def test_choosing_a_card_payment_or_typing_an_address_is_no_card_field(made):
    assert card_field(made) is None


@pytest.mark.clause("JC5")
def test_a_card_field_outside_any_form_is_found_too():
    loose = page("/checkout/", loose_fields=[field("cc", autocomplete="cc-number")])
    result = run(NoCardField, visit(page("/"), loose))
    assert result.status is Status.BROKEN
    assert result.evidence[0].where == f"{ORIGIN}/checkout/"


# --- the notice ---------------------------------------------------------------------------


def _privacy(body: str, step: str = "crawl"):
    return page("/privacy/", step=step, body=body, title="Privacy notice")


@pytest.mark.clause("AL1")
def test_the_notice_rendered_from_the_policy_is_kept_and_any_other_is_named_by_line():
    notice = render(ALPS, "html")
    body = f"<html><body><main>{notice}<p>version</p></main></body></html>"
    assert served_fragment(body) == notice
    assert run(NoticeServed, visit(page("/"), _privacy(body)), ALPS).status is Status.KEPT
    edited = body.replace("five years", "one year", 1)
    result = run(NoticeServed, visit(page("/"), _privacy(edited)), ALPS)
    assert result.status is Status.BROKEN
    assert any(e.text.startswith("+") and "one year" in e.text for e in result.evidence)
    assert any(e.text.startswith("-") and "five years" in e.text for e in result.evidence)


@pytest.mark.clause("AL1")
def test_a_notice_no_link_leads_to_is_not_published():
    body = render(ALPS, "html")
    result = run(NoticeServed, visit(page("/"), _privacy(body, step="journey")), ALPS)
    assert result.status is Status.BROKEN
    assert result.summary == "no link on the site leads to the notice at /privacy/"


# --- when a check cannot say ----------------------------------------------------------------


def test_without_a_visit_every_site_check_is_an_error_not_a_pass():
    result = HttpsEverywhere().run(SiteContext(SHOP, None, missing="Chromium is not installed"))
    assert result.status is Status.ERROR
    assert result.summary == "the site was not visited: Chromium is not installed"


def test_a_check_that_crashes_is_an_error_naming_the_exception():
    class Crashing(SiteCheck):
        id, title = "crash", "Crashes"

        def verdict(self, context: SiteContext) -> Verdict:
            raise KeyError("boom")

    result = run(Crashing, visit())
    assert result.status is Status.ERROR and not result.passed
    assert result.summary == "the check could not finish: KeyError: 'boom'"


def test_a_promise_that_cannot_be_worded_still_gives_a_result():
    class Unworded(SiteCheck):
        id, title = "unworded", "Says nothing"

        def promise(self, policy: Policy) -> str:
            raise TypeError("'bool' object is not callable")

        def verdict(self, context: SiteContext) -> Verdict:
            return Verdict.kept("fine")

    result = run(Unworded, visit())
    assert result.status is Status.KEPT
    assert result.promise.startswith("Says nothing (the promise could not be worded: TypeError")
