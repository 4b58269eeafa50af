"""The two reference policies say what their seed notices say, and mark what they add."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.policy import load
from pledge.policy.calendar import Duration, FiscalYearEnd

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="module")
def alps():
    return load(POLICIES / "alps.yaml")


@pytest.fixture(scope="module")
def japan():
    return load(POLICIES / "japan-centre.yaml")


# --- ALPS Printer Services (seed 004) ---------------------------------------------------------


@pytest.mark.clause("AL5")
def test_alps_declares_no_cookies(alps):
    assert alps.visitor_cookies() == []
    assert alps.cookie_statement == "This site does not use cookies."


@pytest.mark.clause("AL3")
def test_alps_declares_no_marketing_purpose_and_no_consent(alps):
    assert not alps.has_marketing
    assert all(p.consent.value == "none" for p in alps.purposes)


@pytest.mark.clause("AL2")
def test_alps_lists_every_kind_of_personal_data_its_notice_names(alps):
    labels = " | ".join(k.label for k in alps.personal_data_kinds)
    for kind in ("cookies", "IP addresses", "names", "physical addresses", "email addresses",
                 "digital signatures", "certificates or keys", "telephone numbers",
                 "national identification numbers", "photo, video and audio recordings",
                 "scanned documents", "commercial transaction records",
                 "email communications"):  # fmt: skip
        assert kind in labels


@pytest.mark.clause("AL6")
@pytest.mark.clause("AL11")
def test_alps_keeps_web_logs_five_years_then_deletes_after_the_fiscal_year_end(alps):
    logs = alps.category(alps.web_logs.category)
    assert alps.web_logs.keep
    assert {"IP address", "time of access", "browser string", "referrer"} <= set(logs.fields)
    assert logs.retention.minimum == logs.retention.maximum == Duration(years=5)
    assert logs.retention.schedule.after_fiscal_year_end == FiscalYearEnd(3, 31)
    assert alps.time_zone == "Asia/Tokyo"


@pytest.mark.clause("AL7")
def test_alps_keeps_email_five_years_then_until_a_written_request(alps):
    mail = alps.category("user.correspondence").retention
    assert mail.minimum == Duration(years=5)
    assert mail.on_request and mail.maximum is None


@pytest.mark.clause("AL8")
def test_alps_transaction_records_cannot_be_erased_on_request_and_the_period_is_marked(alps):
    ledger = alps.category("user.behavior.purchase_history").retention
    assert not ledger.erasable_on_request
    assert ledger.not_stated, "the statutory period is not in the seed"


@pytest.mark.clause("AL9")
def test_alps_shares_only_with_law_enforcement(alps):
    assert alps.sharing.third_parties == "none"
    assert [r.kind.value for r in alps.recipients] == ["law-enforcement"]


# --- Japan Centre (seed 000) ------------------------------------------------------------------


@pytest.mark.clause("JC11")
def test_japan_centre_has_one_visitor_cookie_the_basket_for_the_browser_session(japan):
    (basket,) = japan.visitor_cookies()
    assert basket.name == "basket" and basket.lifetime == "browser-session"
    assert basket.secure and basket.http_only


@pytest.mark.clause("JC10")
def test_japan_centre_markets_only_with_opt_in_consent(japan):
    (marketing,) = [p for p in japan.purposes if p.marketing]
    assert marketing.legal_basis.value == "consent" and marketing.consent.value == "opt-in"


@pytest.mark.clause("JC2")
def test_japan_centre_names_the_law_now_in_force_and_marks_the_change(japan):
    assert japan.law.frameworks == ["UK GDPR", "Data Protection Act 2018"]
    assert japan.law.original_reference == "Data Protection Act 1998"
    assert japan.law.not_stated


@pytest.mark.clause("JC12")
def test_japan_centre_passes_nothing_to_third_parties_and_marks_what_it_adds(japan):
    assert japan.sharing.third_parties == "none"
    kinds = {r.kind.value for r in japan.recipients}
    assert kinds == {"processor", "law-enforcement"}
    assert all(r.not_stated for r in japan.recipients)


@pytest.mark.clause("JC4")
@pytest.mark.clause("JC5")
def test_japan_centre_hashes_passwords_and_keeps_no_card_data(japan):
    assert japan.passwords.hasher == "argon2id"
    assert japan.passwords.legacy == ["sha512-unsalted"]
    assert japan.cards.store is False


@pytest.mark.clause("JC7")
def test_japan_centre_statistics_are_aggregate_only_and_keep_no_logs(japan):
    assert japan.analytics.mode == "aggregate-only"
    assert not japan.web_logs.keep


def test_japan_centre_marks_the_retention_periods_its_notice_did_not_state(japan):
    for category in ("user.behavior.purchase_history", "user.correspondence"):
        assert japan.category(category).retention.not_stated
