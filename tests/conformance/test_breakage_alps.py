"""Break each promise of the cookieless alps site on a test site; ``pledge conform`` must name
the clause and the evidence of each.

One broken site for the module: its settings add ``tests.conformance.breakage`` (a cookie, a
third-party font, a page without HSTS, an altered notice, a second address for requests, a
newsletter sign-up, and an app that never declared its model to the datamap), and its stores
are broken before the run (web server logs of 2015 kept unencrypted and past their date, a
backup holding a copy of the master key, a card number in the undeclared app's table, a
consent to marketing left by an imported mailing list, visits counted by the visitor's address,
a customer's payments and month-old e-mail erased on request).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conformance import breaking
from tests.conformance.breakage.middleware import (
    FOREIGN_ADDRESS,
    NEWSLETTER_BOX,
    NOTICE_ADDITION,
    UNDECLARED_COOKIE,
)
from tests.conformance.support import Conformed, broken_site, conform
from tests.support.site import Site, running

BREAKS = [
    "undeclared-cookie", "third-party-font", "no-hsts", "notice-altered", "undeclared-model",
    "foreign-mail", "newsletter",
]  # fmt: skip


@dataclass(frozen=True)
class Broken:
    site: Site
    run: Conformed
    archive: str
    master_id: str
    consent: str
    erased: str


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory, chromium: None) -> Iterator[Broken]:
    tmp = tmp_path_factory.mktemp("broken-alps")
    with running(broken_site(tmp, "alps.yaml", BREAKS)) as site:
        breaking.overdue_log_partition(site)
        archive, master_id = breaking.key_in_backup(site)
        breaking.undeclared_note(site)
        consent = breaking.marketing_consent(site)
        breaking.visitors_counted_by_address(site)
        erased = breaking.erased_against_the_rules(site)
        run = conform(site, tmp / "report", "--stores")
        yield Broken(site, run, archive, master_id, consent, erased)


def test_a_broken_alps_site_fails_the_run_and_names_every_broken_clause(broken):
    assert broken.run.returncode == 1, broken.run.output
    broken_here = {f"AL{n}" for n in range(1, 15)}
    assert broken_here <= broken.run.broken_clauses()
    # and what nobody broke still holds: the breakages are told apart
    assert broken.run.status("pages.no_script") == "kept"
    assert broken.run.status("transport.http_redirect") == "kept"


@pytest.mark.breaks("AL14")
@pytest.mark.clause("AL14")
def test_a_second_address_for_requests_on_the_alps_site_is_named(broken):
    assert broken.run.status("contact.published") == "broken"
    assert f"a mail link to {FOREIGN_ADDRESS}" in broken.run.evidence("contact.published")


@pytest.mark.breaks("AL3")
@pytest.mark.clause("AL3")
def test_a_newsletter_sign_up_on_a_site_without_marketing_is_named(broken):
    run = broken.run
    assert run.status("marketing.none") == "broken"
    assert run.clause("AL3") == "broken"
    evidence = run.evidence("marketing.none")
    box = f"checkbox 'news_opt_in' labelled '{NEWSLETTER_BOX}'"
    assert f"a form posting to /newsletter/ asks for marketing (newsletter, offers): {box}" in (
        evidence
    )
    assert evidence.endswith(f"[{broken.site.url('/')}]"), "only the home page carries it"


@pytest.mark.breaks("AL3")
@pytest.mark.clause("AL3")
def test_a_stored_marketing_consent_on_a_site_without_marketing_is_named_by_its_row(broken):
    run = broken.run
    assert run.status("stores.marketing") == "broken"
    assert (
        "1 marketing choice stored (1 given, 0 refused)"
        in run.result("stores.marketing")["summary"]
    )
    evidence = run.evidence("stores.marketing")
    assert f"from the newsletter form [accounts.ConsentRecord {broken.consent}]" in evidence


@pytest.mark.breaks("AL5")
@pytest.mark.clause("AL5")
def test_a_cookie_on_a_cookieless_site_is_named(broken):
    run = broken.run
    assert run.status("cookies.declared") == "broken"
    assert run.clause("AL5") == "broken"
    evidence = run.evidence("cookies.declared")
    assert f"undeclared cookie set: Set-Cookie: {UNDECLARED_COOKIE}=…" in evidence


@pytest.mark.breaks("AL9")
@pytest.mark.clause("AL9")
def test_a_third_party_font_on_the_alps_site_is_named(broken):
    run = broken.run
    assert run.status("requests.first_party") == "broken"
    assert run.clause("AL9") == "broken"
    assert "fonts.third-party.test" in run.evidence("requests.first_party")


@pytest.mark.breaks("AL4")
@pytest.mark.clause("AL4")
def test_a_page_without_hsts_on_the_alps_site_is_named(broken):
    run = broken.run
    assert run.status("transport.hsts") == "broken"
    assert run.clause("AL4") == "broken"
    assert broken.site.url("/contact/") in run.evidence("transport.hsts")


@pytest.mark.breaks("AL1", "AL2")
@pytest.mark.clause("AL1", "AL2")
def test_a_notice_that_differs_from_the_policy_is_named_with_the_line(broken):
    run = broken.run
    assert run.status("notice.served") == "broken"
    assert run.clause("AL1") == "broken" and run.clause("AL2") == "broken"
    assert f"+{NOTICE_ADDITION}" in run.evidence("notice.served")
    assert "differs from the one rendered from the policy" in run.result("notice.served")["summary"]


@pytest.mark.breaks("AL6", "AL11")
@pytest.mark.clause("AL6", "AL11")
def test_an_overdue_log_partition_is_named_with_its_due_date(broken):
    run = broken.run
    result = run.result("retention:user.device.web_logs")
    assert result["status"] == "broken"
    assert run.clause("AL6") == "broken" and run.clause("AL11") == "broken"
    evidence = run.evidence("retention:user.device.web_logs")
    assert (
        "raw log partition of period 2015 was due by 1 May 2021 (Asia/Tokyo) and is still stored"
        in evidence
    )
    assert "partitions/category=user.device.web_logs/period=2015/part-0.parquet" in evidence


@pytest.mark.breaks("AL6", "AL12")
@pytest.mark.clause("AL6", "AL12")
def test_a_log_partition_readable_without_a_key_is_named(broken):
    run = broken.run
    assert run.status("stores.partitions_encrypted") == "broken"
    evidence = run.evidence("stores.partitions_encrypted")
    assert "readable by anyone, without a key [partitions/category=user.device.web_logs" in evidence
    # and the card number in one of its lines is found too, in the raw logs
    assert "raw logs: a Visa card number ending 1111" in run.evidence("stores.cards")


@pytest.mark.breaks("AL13")
@pytest.mark.clause("AL13")
def test_a_backup_holding_the_master_key_is_named_with_the_member(broken):
    run = broken.run
    assert run.status("stores.backups") == "broken"
    assert run.clause("AL13") == "broken"
    evidence = run.evidence("stores.backups")
    where = f"backups/{broken.archive} → partitions/master-copy.key"
    assert f"holds the master key {broken.master_id} [{where}]" in evidence
    # found only by opening the archive: the copy is no longer in the data directory itself
    assert evidence.count("[") == 1


@pytest.mark.breaks("AL12")
@pytest.mark.clause("AL12")
def test_a_model_missing_from_the_datamap_is_named(broken):
    run = broken.run
    assert run.status("stores.datamap") == "broken"
    assert run.clause("AL12") == "broken"
    assert "datamap.E001: undeclared.Note is not declared to the datamap" in run.evidence(
        "stores.datamap"
    )
    # and what it keeps in clear is scanned like everything else
    assert "undeclared.Note row 1, text" in run.evidence("stores.cards")


@pytest.mark.breaks("AL10")
@pytest.mark.clause("AL10")
def test_visits_counted_by_the_visitor_address_are_named_with_the_row(broken):
    run = broken.run
    assert run.status("stores.statistics") == "broken"
    assert run.clause("AL10") == "broken"
    evidence = run.evidence("stores.statistics")
    assert "counts by an undeclared dimension 'ip' [traffic.DailyCount row" in evidence
    assert "(2025-05-14, ip)" in evidence


@pytest.mark.breaks("AL7", "AL8")
@pytest.mark.clause("AL7", "AL8")
def test_payments_and_young_mail_erased_on_request_are_named_with_their_audit_events(broken):
    run = broken.run
    assert run.status("stores.erasures") == "broken"
    assert run.clause("AL7") == "broken" and run.clause("AL8") == "broken"
    evidence = run.evidence("stores.erasures")
    # AL8: the ledger cannot be erased on request at all
    assert (
        "of orders, paypal and bank transfer records erased on request ('erasure request by "
        "e-mail'), which cannot be: Recorded as part of business auditing" in evidence
    )
    # AL7: e-mail only after its five years
    assert "of email correspondence erased on " in evidence
    assert "before the minimum keep of five years ended on " in evidence
