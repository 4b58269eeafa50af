"""Break each promise of the japan-centre shop on a test site; ``pledge conform`` must name the
clause and the evidence of each.

One broken site for the module: its settings add ``tests.conformance.breakage`` (undeclared
cookie, persistent basket cookie, third-party font, HTTP form, card field, a page without
HSTS, a pre-ticked marketing box, a date of birth asked at registration, an account page that
ignores unticking it, the visitor's address kept, a second address for privacy requests), and
its stores are broken before the run (a SHA-1 password, card numbers in a message and in an
encrypted field, an overdue order, an altered audit event, a consent imported from a mailing
list, visits counted by the visitor's address). Each test reads the one report of that run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conformance import breaking
from tests.conformance.breakage.middleware import (
    BIRTH_DATE_LABEL,
    FOREIGN_ADDRESS,
    THIRD_PARTY_FONT,
    UNDECLARED_COOKIE,
)
from tests.conformance.support import Conformed, broken_site, conform
from tests.support.site import Site, running

BREAKS = [
    "undeclared-cookie", "persistent-basket", "third-party-font", "http-form", "card-field",
    "no-hsts", "ticked-marketing", "marketing-sticks", "store-address", "foreign-mail",
    "birth-date",
]  # fmt: skip


@dataclass(frozen=True)
class Broken:
    site: Site
    run: Conformed
    operator: str
    profile_subject: str
    message: str
    order: str
    audit_event: int
    imported_consent: str


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory, chromium: None) -> Iterator[Broken]:
    tmp = tmp_path_factory.mktemp("broken-shop")
    with running(broken_site(tmp, "japan-centre.yaml", BREAKS)) as site:
        profile_subject, message, order = breaking.shop_records(site)
        operator = breaking.sha1_password(site)
        event = breaking.alter_audit_event(site)
        imported = breaking.imported_consent(site)
        breaking.visitors_counted_by_address(site)
        run = conform(site, tmp / "report", "--stores")
        yield Broken(site, run, operator, profile_subject, message, order, event, imported)


def test_a_broken_shop_fails_the_run_and_names_every_broken_clause(broken):
    # then the exit status is 1 and the clause table names each clause broken above
    assert broken.run.returncode == 1, broken.run.output
    assert broken.run.report["ok"] is False
    broken_here = {f"JC{n}" for n in range(1, 15)}
    assert broken_here <= broken.run.broken_clauses()
    assert "PROMISES BROKEN" in broken.run.output
    # and the promises nobody broke still hold: the breakages are told apart
    assert broken.run.status("transport.https") == "kept"
    assert broken.run.status("notice.served") == "kept"
    assert broken.run.status("journey.completed") == "kept"


@pytest.mark.breaks("JC11")
@pytest.mark.clause("JC11")
def test_an_undeclared_cookie_is_named_with_the_page_that_set_it(broken):
    run = broken.run
    assert run.status("cookies.declared") == "broken"
    assert run.clause("JC11") == "broken"
    evidence = run.evidence("cookies.declared")
    assert f"undeclared cookie set: Set-Cookie: {UNDECLARED_COOKIE}=…" in evidence
    assert f"[{broken.site.url('/')}]" in evidence


@pytest.mark.breaks("JC11")
@pytest.mark.clause("JC11")
def test_a_persistent_basket_cookie_is_named_with_its_max_age(broken):
    run = broken.run
    assert run.status("cookies.lifetime") == "broken"
    evidence = run.evidence("cookies.lifetime")
    assert "'basket' is declared browser-session but was set with an expiry" in evidence
    assert "Max-Age=1209600" in evidence


@pytest.mark.breaks("JC12")
@pytest.mark.clause("JC12")
def test_a_third_party_font_is_named_with_the_page_that_loads_it(broken):
    run = broken.run
    assert run.status("requests.first_party") == "broken"
    assert run.clause("JC12") == "broken"
    assert "fonts.third-party.test" in run.result("requests.first_party")["summary"]
    evidence = run.evidence("requests.first_party")
    assert f"GET {THIRD_PARTY_FONT} (stylesheet)" in evidence
    # the font is on every page: said once, with the pages that load it
    assert f"[{broken.site.url('/')}, " in evidence and " more]" in evidence


@pytest.mark.breaks("JC3")
@pytest.mark.clause("JC3")
def test_a_form_posting_over_http_is_named(broken):
    run = broken.run
    assert run.status("forms.https") == "broken"
    assert run.clause("JC3") == "broken"
    action = f"http://localhost:{broken.site.port}/newsletter/"
    assert f"a POST form posts to {action} [{broken.site.url('/')}]" in run.evidence("forms.https")


@pytest.mark.breaks("JC3")
@pytest.mark.clause("JC3")
def test_a_page_without_hsts_is_named(broken):
    run = broken.run
    assert run.status("transport.hsts") == "broken"
    evidence = run.evidence("transport.hsts")
    assert f"no Strict-Transport-Security header (200) [{broken.site.url('/contact/')}]" in evidence
    assert evidence.count("\n") == 0, "only the contact page lost its header"


@pytest.mark.breaks("JC5")
@pytest.mark.clause("JC5")
def test_a_card_field_at_checkout_is_named(broken):
    run = broken.run
    assert run.status("cards.no_field") == "broken"
    assert 'autocomplete="cc-number"' in run.evidence("cards.no_field")
    assert f"[{broken.site.url('/checkout/')}]" in run.evidence("cards.no_field")


@pytest.mark.breaks("JC10")
@pytest.mark.clause("JC10")
def test_a_pre_ticked_marketing_box_is_named(broken):
    run = broken.run
    assert run.status("marketing.opt_in") == "broken"
    assert run.clause("JC10") == "broken"
    evidence = run.evidence("marketing.opt_in")
    assert "box 'marketing'" in evidence and "starts ticked" in evidence
    assert "consent recorded after registering untouched: True" in evidence


@pytest.mark.breaks("JC13")
@pytest.mark.clause("JC13")
def test_an_opt_out_the_account_page_ignores_is_named(broken):
    run = broken.run
    assert run.status("marketing.change") == "broken"
    assert run.clause("JC13") == "broken"
    evidence = run.evidence("marketing.change")
    account = f"[{broken.site.url('/account/')}]"
    assert f"after saving 'opt out' the customer is still on the marketing list {account}" in (
        evidence
    )
    assert "after saving 'opt out' the marketing consent on record is given" in evidence
    assert "after saving 'opt out' the account page shows the box ticked" in evidence
    # and opting in, which the page does not hinder, is not named
    assert "after saving 'opt in'" not in evidence


@pytest.mark.breaks("JC1", "JC14")
@pytest.mark.clause("JC1", "JC14")
def test_a_second_address_for_privacy_requests_is_named(broken):
    run = broken.run
    assert run.status("contact.published") == "broken"
    assert run.clause("JC1") == "broken" and run.clause("JC14") == "broken"
    evidence = run.evidence("contact.published")
    assert f"a mail link to {FOREIGN_ADDRESS} [{broken.site.url('/contact/')}]" in evidence


@pytest.mark.breaks("JC7")
@pytest.mark.clause("JC7")
def test_a_visitor_address_kept_in_the_sessions_is_named(broken):
    run = broken.run
    assert run.status("stores.visitor_address") == "broken"
    assert run.clause("JC7") == "broken"
    evidence = run.evidence("stores.visitor_address")
    assert "holds the visit's address 127.0.0.1 [sessions.Session row" in evidence
    assert "session data (decoded)" in evidence


@pytest.mark.breaks("JC4")
@pytest.mark.clause("JC4")
def test_a_sha1_password_hash_is_named(broken):
    run = broken.run
    assert run.status("stores.passwords") == "broken"
    assert run.clause("JC4") == "broken"
    evidence = run.evidence("stores.passwords")
    assert f"staff account {broken.operator[:8]}: sha1 hash" in evidence
    assert "argon2id" in run.result("stores.passwords")["summary"]  # the others are counted too


@pytest.mark.breaks("JC5")
@pytest.mark.clause("JC5")
def test_card_numbers_in_a_message_and_an_encrypted_field_are_found_decrypted(broken):
    run = broken.run
    assert run.status("stores.cards") == "broken"
    assert run.clause("JC5") == "broken"
    evidence = run.evidence("stores.cards")
    message = f"correspondence.Message row {broken.message}"
    assert "correspondence: a Visa card number ending 1111 (16 digits)" in evidence
    assert any(message.replace("-", "") in line.replace("-", "") for line in evidence.splitlines())
    assert "databases: a Mastercard card number ending 4444 (16 digits)" in evidence
    assert "postal_address (decrypted)" in evidence
    # and the report never repeats a whole number
    assert breaking.VISA.replace(" ", "") not in run.html.replace(" ", "")
    assert breaking.MASTERCARD.replace(" ", "") not in run.output.replace(" ", "")


def test_an_overdue_order_is_named_with_the_rule_it_outlived(broken):
    run = broken.run
    result = run.result("retention:user.behavior.purchase_history")
    assert result["status"] == "broken"
    assert "kept past the due date (kept six years from order completed" in result["summary"]
    assert "1 record due by the " in run.evidence("retention:user.behavior.purchase_history")
    assert "[shop.Order]" in run.evidence("retention:user.behavior.purchase_history")


@pytest.mark.breaks("JC2")
@pytest.mark.clause("JC2")
def test_an_altered_audit_event_is_named(broken):
    run = broken.run
    assert run.status("stores.audit") == "broken"
    assert run.clause("JC2") == "broken"
    event = broken.audit_event
    assert f"event {event} was altered: it no longer matches its hash" in run.evidence(
        "stores.audit"
    )


def test_the_terminal_table_shows_each_broken_check_with_its_evidence(broken):
    output = broken.run.output
    assert "cookies.declared" in output and "BROKEN" in output
    assert f"- undeclared cookie set: Set-Cookie: {UNDECLARED_COOKIE}=…" in output
    assert output.rstrip().endswith("(exit 1)")


@pytest.mark.breaks("JC6")
@pytest.mark.clause("JC6")
def test_a_date_of_birth_asked_at_registration_is_named_with_its_page(broken):
    run = broken.run
    assert run.status("forms.declared_data") == "broken"
    assert run.clause("JC6") == "broken"
    evidence = run.evidence("forms.declared_data")
    assert (
        f"asks for date of birth, which the notice does not list: input 'date_of_birth' "
        f"labelled {BIRTH_DATE_LABEL!r} [{broken.site.url('/account/register/')}]"
    ) in evidence
    # the customer could still register: the journey itself is not what broke
    assert run.status("journey.completed") == "kept"


@pytest.mark.breaks("JC9")
@pytest.mark.clause("JC9")
def test_a_consent_imported_from_a_mailing_list_is_named_with_its_record(broken):
    run = broken.run
    assert run.status("stores.marketing_audience") == "broken"
    assert run.clause("JC9") == "broken"
    evidence = run.evidence("stores.marketing_audience")
    assert (
        f"consent recorded on 'mailing-list-import', not a form of the site "
        f"[accounts.ConsentRecord {broken.imported_consent}"
    ) in evidence


@pytest.mark.breaks("JC8")
@pytest.mark.clause("JC8")
def test_visits_counted_by_the_visitor_address_are_named_in_the_shop_too(broken):
    run = broken.run
    assert run.status("stores.statistics") == "broken"
    assert run.clause("JC8") == "broken"
    assert "counts by an undeclared dimension 'ip'" in run.evidence("stores.statistics")
