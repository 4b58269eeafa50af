"""The marketing checks against hand-made records and the test database: no marketing sign-up
and no stored marketing choice where the policy has no marketing (AL3); a change on the account
page in effect at once where it has (JC13)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from pledge.accounts.models import ConsentRecord
from pledge.conformance.checks.base import SiteContext, StoreContext
from pledge.conformance.checks.marketing import (
    MarketingChange,
    NoMarketingSignUp,
    NoMarketingStored,
    marketing_words,
)
from pledge.conformance.record import Step
from pledge.conformance.results import Status
from pledge.notices.selectors import notice_current
from pledge.policy import load
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_create
from tests.conformance.records import ORIGIN, field, form, page, visit

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SHOP = load(POLICIES / "japan-centre.yaml")
ALPS = load(POLICIES / "alps.yaml")
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
ACCOUNT = f"{ORIGIN}/account/"


def site(check, record, policy):
    return check().run(SiteContext(policy, record))


def stores(policy):
    return NoMarketingStored().run(
        StoreContext(policy, NOW, Path(settings.DATA_DIR), Path(settings.KEY_DIR))
    )


# --- AL3: no marketing sign-up ------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "words"),
    [
        (("newsletterOptIn",), ["newsletter"]),
        (("promo_code", "Promotional code"), ["promo", "promotional"]),
        (("news", "Send me news and special offers"), ["offers"]),
        (("/mailing-list/join/",), ["mailing list"]),
        (("optin", "Marketing by email"), ["marketing"]),
    ],
)
def test_marketing_words_are_found_in_names_labels_and_addresses(texts, words):
    assert marketing_words(*texts) == words


@pytest.mark.parametrize(
    "texts",
    [("message", "Your message"), ("kind", "What would you like us to do?"), ("offering",),
     ("email", "Email address"), ("professional",)],
)  # fmt: skip
def test_ordinary_fields_speak_of_no_marketing(texts):
    assert marketing_words(*texts) == []


@pytest.mark.clause("AL3")
def test_a_newsletter_box_on_a_site_without_marketing_is_named_with_its_page():
    # given an alps page with a sign-up form: an address field and a box for offers
    signup = form(
        "/",
        f"{ORIGIN}/newsletter/",
        field("email", type="email", label="Email"),
        field("news_opt_in", type="checkbox", label="Send me news and special offers"),
    )
    contact = form("/rights/", f"{ORIGIN}/rights/", field("message", label="Your message"))
    record = visit(page("/", forms=[signup]), page("/rights/", forms=[contact]))
    # when the check reads the visit
    result = site(NoMarketingSignUp, record, ALPS)
    # then it is broken, naming the form, the box and the page, and only that form
    assert result.status is Status.BROKEN and result.clauses == ("AL3",)
    assert [e.where for e in result.evidence] == [f"{ORIGIN}/"]
    assert result.evidence[0].text == (
        "a form posting to /newsletter/ asks for marketing (newsletter, offers): checkbox "
        "'news_opt_in' labelled 'Send me news and special offers'"
    )
    assert "marketing" in result.promise  # the policy's own sentence


@pytest.mark.clause("AL3")
def test_a_marketing_box_outside_any_form_is_named_too():
    loose = page("/about/", loose_fields=[field("marketing", type="checkbox", label="Yes")])
    result = site(NoMarketingSignUp, visit(page("/"), loose), ALPS)
    assert result.status is Status.BROKEN
    assert "a checkbox 'marketing' labelled 'Yes' outside any form" in result.evidence[0].text


@pytest.mark.clause("AL3")
def test_pages_with_only_ordinary_forms_keep_the_promise():
    contact = form("/rights/", f"{ORIGIN}/rights/", field("email", type="email"))
    result = site(NoMarketingSignUp, visit(page("/"), page("/rights/", forms=[contact])), ALPS)
    assert result.status is Status.KEPT
    assert (
        result.summary == "none of the 2 pages offers a marketing sign-up (1 form, 1 control read)"
    )


def test_a_policy_with_marketing_is_not_held_to_having_none():
    signup = form("/", f"{ORIGIN}/account/register/", field("marketing", type="checkbox"))
    result = site(NoMarketingSignUp, visit(page("/", forms=[signup])), SHOP)
    assert result.status is Status.NOT_APPLICABLE
    assert result.promise == "no such promise: the policy declares a marketing purpose"
    assert stores(SHOP).status is Status.NOT_APPLICABLE


@pytest.mark.django_db
@pytest.mark.clause("AL3")
def test_a_stored_marketing_choice_is_named_with_its_row_under_a_policy_without_marketing():
    # given stores with no marketing choice, the promise holds
    assert stores(ALPS).status is Status.KEPT
    # when a consent to marketing is stored (an imported mailing list, say)
    subject = subject_create(kind=SubjectKind.CUSTOMER, email="yuki@example.org")
    record = ConsentRecord.objects.create(
        subject=subject,
        purpose="marketing",
        given=True,
        form="newsletter",
        notice=notice_current(policy=settings.POLICY),
    )
    # then the check is broken and names the row, the decision and the form
    result = stores(ALPS)
    assert result.status is Status.BROKEN
    assert result.summary.startswith("1 marketing choice stored (1 given, 0 refused)")
    assert result.evidence[0].where == f"accounts.ConsentRecord {record.pk}"
    assert "consent to marketing recorded on " in result.evidence[0].text
    assert result.evidence[0].text.endswith("from the newsletter form")


# --- JC13: a change on the account page takes effect at once -------------------------------


def _change(change: str, wanted: bool, *, shown=None, recorded=None, listed=None) -> dict:
    return {
        "change": change,
        "wanted": wanted,
        "shown": wanted if shown is None else shown,
        "recorded": wanted if recorded is None else recorded,
        "listed": wanted if listed is None else listed,
        "url": ACCOUNT,
    }


def _journey(*changes: dict, steps: list[Step] | None = None):
    steps = steps or [
        Step("sign in", True, "done", ACCOUNT),
        Step("opt in to marketing", True, "saved", ACCOUNT),
        Step("opt out of marketing", True, "saved", ACCOUNT),
    ]
    return visit(page("/"), journey=steps, journey_facts={"marketing_changes": list(changes)})


@pytest.mark.clause("JC13")
def test_opting_in_and_out_that_take_effect_at_once_keep_the_promise():
    record = _journey(_change("opt in", True), _change("opt out", False))
    result = site(MarketingChange, record, SHOP)
    assert result.status is Status.KEPT and result.clauses == ("JC13",)
    assert result.promise.startswith("Untick the box on your account page at any time")
    assert "opt out of marketing: saved" in [e.text for e in result.evidence]


@pytest.mark.clause("JC13")
def test_an_opt_out_that_leaves_the_customer_on_the_list_is_named():
    # given an opt-out saved, after which the box, the record and the list still say yes
    still = _change("opt out", False, shown=True, recorded=True, listed=True)
    result = site(MarketingChange, _journey(_change("opt in", True), still), SHOP)
    # then the check is broken and says what did not follow the change
    assert result.status is Status.BROKEN
    texts = [e.text for e in result.evidence]
    assert "after saving 'opt out' the account page shows the box ticked" in texts
    assert "after saving 'opt out' the marketing consent on record is given" in texts
    assert "after saving 'opt out' the customer is still on the marketing list" in texts
    assert result.summary.endswith("the account page shows the box ticked")


@pytest.mark.clause("JC13")
def test_an_account_page_without_a_marketing_box_breaks_the_promise():
    steps = [Step("opt in to marketing", True, "the account page offers no marketing choice")]
    result = site(MarketingChange, _journey(steps=steps), SHOP)
    assert result.status is Status.BROKEN
    assert result.summary == "the account page offers no marketing choice"


def test_a_journey_that_never_reached_the_account_page_cannot_say():
    steps = [
        Step("sign in", False, "expected the account page; the browser is at /account/sign-in/"),
        Step("opt in to marketing", False, "not attempted: sign in failed"),
    ]
    record = visit(page("/"), journey=steps)
    result = site(MarketingChange, record, SHOP)
    assert result.status is Status.ERROR
    assert result.summary == "the marketing choice was not changed: 'sign in' failed"


def test_the_change_is_not_checked_where_the_policy_has_no_marketing():
    result = site(MarketingChange, _journey(), ALPS)
    assert result.status is Status.NOT_APPLICABLE
