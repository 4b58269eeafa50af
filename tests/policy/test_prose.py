"""``pledge policy import``: a prose notice in, a cited draft with review items out.

These tests use short notices written here, so they run anywhere; the two seeds and the eleven
labelled real notices are read in ``test_prose_notices.py``, which skips without ../shared.
"""

from __future__ import annotations

import itertools
import re

import pytest
import yaml

from pledge.cli import main
from pledge.policy import PolicyError, load_text
from pledge.policy.calendar import Duration, FiscalYearEnd
from pledge.policy.prose import import_file, import_text
from pledge.policy.prose.facts import Status
from pledge.policy.prose.text import read
from pledge.policy.prose.yaml_out import scalar

# What an operator might write for each kind of review item; every key the draft can mark for
# review has an entry, so a new kind of review item fails here until it has one.
FILL = {
    "email": "privacy@example.org",
    "title": "Privacy policy",
    "summary": "What we collect and why.",
    "statement": "Filled in by the operator.",
    "description": "Filled in by the operator.",
    "condition": "Filled in by the operator.",
    "how": "Write to privacy@example.org.",
    "withdraw": "Untick the box on your account page.",
    "cookie_statement": "Filled in by the operator.",
    "third_parties": "declared",
    "maximum": "10y",
    "minimum": "0d",
    "anchor": "collected",
    "lifetime": "browser-session",
    "party": "first",
    "registration": "false",
    "keep": "false",
    "consent": "opt-in",
    "jurisdiction": "GB",
    "frameworks": "[UK GDPR, Data Protection Act 2018]",
    "time_zone": "Europe/London",
    "fields": "[filled in by the operator]",
    "sources": "[filled in by the operator]",
    "methods": "[bank-transfer]",
    "statements": "[Filled in by the operator.]",
    "grace": "30d",
    "after_fiscal_year_end": "03-31",
    "mode": "aggregate-only",
}
REVIEW = re.compile(r"^(?P<lead>\s*(?:- )?)(?P<key>\w+): !review .*$", re.MULTILINE)


def fill_review(draft: str) -> str:
    """The draft as an operator leaves it: every !review value replaced by a decision."""
    names = itertools.count()

    def decide(match: re.Match[str]) -> str:
        key = match["key"]
        value = f"example{next(names)}" if key == "name" else FILL[key]
        return f"{match['lead']}{key}: {value}"

    return REVIEW.sub(decide, draft)


def draft_of(text: str, suffix: str = ".md") -> str:
    result = import_text(text, source=f"notice{suffix}", suffix=suffix)
    assert result.draft is not None, result.problems
    return result.draft.text


def drafted(text: str, suffix: str = ".md") -> dict:
    """The completed draft as plain data (after the review items are decided)."""
    return yaml.safe_load(fill_review(draft_of(text, suffix)))


SHOP = """\
# Privacy Policy for Tiny Tea Shop

Tiny Tea Shop takes your privacy seriously. This notice says what we collect and why.

## What we collect

When you place an order we collect your name, postal address and email address.

## Cookies

We use one cookie to keep your basket. It is deleted when you close your browser.

## How long we keep data

Orders are kept for six years for tax purposes. Emails you send us are deleted after two years.

## Sharing

We will not pass your information to any third parties, except the courier who delivers your
order, and the police where the law requires it.

We do not store credit card details on our servers. Passwords are stored as salted one-way hashes.

If you tick the box on the order form we send you our newsletter; unsubscribe at any time from
the link in each newsletter.

Questions? Please contact privacy@tinytea.example.
"""


# --- reading: every citation points at the very words ------------------------------------------


def test_each_sentence_cites_the_characters_it_came_from_in_markdown():
    text = "# Title\n\nWe **never** share [your data](https://x.example) with anyone. Second one.\n"
    document = read(text, ".md")
    first = next(s for s in document.sentences if s.text.startswith("We never"))
    assert first.text == "We never share your data with anyone."
    assert text[first.start : first.end] == (
        "We **never** share [your data](https://x.example) with anyone."
    )


def test_sentences_are_not_split_after_abbreviations_or_inside_addresses():
    text = (
        "Data is processed under Art. 6 Sect. 1 lit. f GDPR, e.g. logs. Write to a.b@c.example now."
    )
    sentences = [s.text for s in read(text).sentences]
    assert sentences == [
        "Data is processed under Art. 6 Sect. 1 lit. f GDPR, e.g. logs.",
        "Write to a.b@c.example now.",
    ]


def test_html_is_read_without_scripts_styles_or_navigation_and_cites_the_source():
    page = (
        "<html><head><title>Privacy</title><script>var s = 'We use cookies.';</script>"
        "<style>p{}</style></head><body><nav><a>We share your data with everyone</a></nav>"
        "<main><h1>Privacy policy</h1><p>We do not use cookies &amp; never share data.</p>"
        "</main><footer><nav>Menu</nav></footer></body></html>"
    )
    document = read(page, ".html")
    texts = [s.text for s in document.sentences]
    assert texts == ["Privacy policy", "We do not use cookies & never share data."]
    sentence = document.sentences[1]
    assert page[sentence.start : sentence.end] == "We do not use cookies &amp; never share data."
    assert document.notes  # the report says parts of the page were left out


def test_a_table_row_is_one_statement_with_its_header():
    text = "## Cookies we use\n\n| Name | Expires |\n|---|---|\n| basket | Session |\n"
    row = read(text).sentences[-1]
    assert row.kind == "row" and row.cells == ("basket", "Session")
    assert row.header == ("name", "expires")


# --- fields: what a notice says, in the many ways notices say it -------------------------------


def _found(text: str):
    result = import_text(text, source="notice.md", suffix=".md")
    assert result.findings is not None
    return result.findings


@pytest.mark.parametrize(
    ("sentence", "used"),
    [
        ("This site does not use cookies.", False),
        ("We don't set any cookies at all.", False),
        ("No persistent or session cookies are set by this site.", False),
        ("We use cookies to remember your preferences.", True),
        ("Cookies set by this site expire after 30 days.", True),
        ("Beyond a technically necessary session cookie, we do not use cookies.", True),
    ],
)
def test_cookies_used_or_not(sentence, used):
    found = _found(f"# Privacy\n\nWe keep your email address. {sentence}\n")
    assert found.cookies.used.stated and found.cookies.used.value is used
    assert found.cookies.used.evidence


def test_cookie_definitions_and_browser_advice_are_not_a_claim_of_use():
    found = _found(
        "# Privacy\n\nCookies are small text files placed on your device. You can set your "
        "browser to refuse cookies. We collect your email address to answer you.\n"
    )
    assert found.cookies.used.status is Status.NOT_STATED


def test_cookie_kinds_and_lifetimes_are_read():
    found = _found(
        "# Privacy\n\nWe use a session cookie for your basket. Our login cookie lasts for two "
        "weeks. Google Analytics sets third-party cookies to count visits.\n"
    )
    assert set(found.cookies.kinds()) == {"session", "persistent", "first-party", "third-party"}
    lifetimes = {use.name: use.lifetime for use in found.cookies.uses}
    assert lifetimes["basket"] == "browser-session"
    assert lifetimes["login"] == Duration(days=14)


@pytest.mark.parametrize(
    ("sentence", "shares", "exceptions"),
    [
        ("We will not pass your information to any third parties.", False, []),
        ("We never sell or rent your data.", None, []),  # selling is not sharing
        ("Your data is shared with our payment processor Stripe.", True, []),
        (
            "We will never disclose your data to third parties unless the police or a court "
            "requires it.",
            False,
            ["law-enforcement"],
        ),
        ("We pass your address to the courier who delivers your parcel.", True, []),
    ],
)
def test_third_party_sharing_and_its_exceptions(sentence, shares, exceptions):
    found = _found(f"# Privacy\n\nWe keep your name and email address. {sentence}\n")
    verdict = found.sharing.verdict
    assert verdict.value is shares
    assert [k for k in found.sharing.exception_kinds() if k in ("law-enforcement",)] == exceptions


def test_a_notice_that_shares_with_no_one_yet_names_a_payment_provider_is_reported():
    result = import_text(
        "# Privacy\n\nWe will not pass your information to any third parties. "
        "Payments are taken through PayPal.\n"
    )
    found = result.findings
    assert found.sharing.verdict.value is False  # what the notice promises
    [contradiction] = found.contradictions
    assert contradiction.topic == "sharing" and "PayPal" in contradiction.message
    assert "CONTRADICTION (sharing)" in result.draft.text


def test_an_explicit_contradiction_on_sharing_is_left_to_the_operator():
    draft = draft_of(
        "# Privacy\n\nNo data is ever provided to third parties. We share your details with "
        "our delivery partners so they can deliver your order.\n"
    )
    assert re.search(r"third_parties: !review", draft)
    assert "CONTRADICTION (sharing)" in draft


@pytest.mark.parametrize(
    ("sentence", "value", "status"),
    [
        ("We do not retain any credit card information on our servers.", "not stored",
         Status.STATED),
        ("At checkout you enter your credit card details.", "collected", Status.UNCLEAR),
        ("Please do not send credit card details by email.", None, Status.NOT_STATED),
        ("Our cookies don't store credit card details.", None, Status.NOT_STATED),
    ],
)  # fmt: skip
def test_card_data(sentence, value, status):
    found = _found(f"# Privacy\n\nWe keep your name. {sentence}\n")
    assert (found.cards.status, found.cards.value) == (status, value)


def test_encrypted_passwords_are_not_taken_for_hashed_ones():
    hashed = _found("# Privacy\n\nAll passwords are stored using a one-way hash.\n")
    assert hashed.passwords.stated and hashed.passwords.value == "one-way hash"
    encrypted = _found("# Privacy\n\nPasswords are encrypted in a database.\n")
    assert encrypted.passwords.status is Status.UNCLEAR
    assert "not hashed" in encrypted.passwords.note


def test_retention_periods_anchors_schedules_and_requests():
    found = _found(
        "# Privacy\n\n## Web server logs\n\nWeb server logs are kept for a period of five years, "
        "as part of auditing requirements. After this period, the logs are deleted.\n\n"
        "## Email\n\nEmail correspondence is stored for three years and is not deleted after "
        "this period. You may ask us in writing to have your email correspondence deleted after "
        "this time.\n\n## Orders\n\nWe delete your order details within 6 months of the date of "
        "shipping.\n\nData is deleted after the end of each financial year (31 March).\n"
    )
    rules = found.retention.rules
    logs, mail, orders = rules["logs"], rules["correspondence"], rules["orders"]
    assert (logs.minimum, logs.maximum, logs.erasable_on_request) == (
        Duration(years=5),
        Duration(years=5),
        False,
    )
    assert (mail.minimum, mail.maximum, mail.on_request) == (Duration(years=3), None, True)
    assert (orders.maximum, orders.anchor) == (Duration(months=6), "order-completed")
    assert found.retention.fiscal_year_end.value == FiscalYearEnd(3, 31)


def test_cookie_lifetimes_and_ages_are_not_data_retention():
    found = _found(
        "# Privacy\n\nOur cookies expire after 30 days. This site is not for children under 13 "
        "years of age. We collect your email address when you write to us.\n"
    )
    assert not found.retention.stated


def test_marketing_consent_mode_and_withdrawal():
    found = _found(SHOP)
    assert found.marketing.value == "opt-in"
    assert "unsubscribe" in found.withdraw.value
    none = _found("# Privacy\n\nWe do not use your data for marketing. We keep your email.\n")
    assert none.marketing.value == "none"
    # "do not tick the box if you do not wish to receive": ticking agrees, so opt-in.
    box = _found(
        "# Privacy\n\nWe send you information about products and services we offer. If you do "
        "not wish to receive it, please do not tick the box on the registration form.\n"
    )
    assert box.marketing.value == "opt-in"


def test_statistics_only_in_aggregate():
    found = _found(
        "# Privacy\n\nBrowsing patterns are only used in aggregate form and cannot be used to "
        "identify you.\n"
    )
    assert found.statistics.value in ("aggregate", "anonymised")


# --- the draft ---------------------------------------------------------------------------------


def test_a_stated_value_cites_offsets_and_sentence_in_a_comment():
    draft = draft_of(SHOP)
    sentence = "We do not store credit card details on our servers."
    start = SHOP.index(sentence)
    assert f"# [{start}-{start + len(sentence)}] {sentence}" in draft


def test_what_the_notice_does_not_state_is_marked_for_review_not_defaulted():
    draft = draft_of("# Privacy\n\nWe collect your email address when you write to us.\n")
    assert "cards:\n" in draft
    cards = draft[draft.index("cards:\n") :]
    assert re.search(r"statement: !review not stated", cards)
    assert "REVIEW: not stated in the notice" in cards
    with pytest.raises(PolicyError) as refused:
        load_text(draft)  # an unreviewed draft is never accepted
    assert all("!review" in str(p) for p in refused.value.problems)


def test_the_draft_once_reviewed_passes_the_policy_check():
    policy = load_text(fill_review(draft_of(SHOP)))
    orders = policy.category("user.behavior.purchase_history")
    assert orders.retention.minimum == orders.retention.maximum == Duration(years=6)
    assert policy.category("user.correspondence").retention.maximum == Duration(years=2)
    assert [c.name for c in policy.visitor_cookies()] == ["basket"]
    assert policy.visitor_cookies()[0].lifetime == "browser-session"
    assert policy.sharing.third_parties == "declared"
    assert {r.kind.value for r in policy.recipients} == {"processor", "law-enforcement"}
    assert policy.controller.email == "privacy@tinytea.example"
    marketing = policy.purpose("marketing")
    assert marketing.consent.value == "opt-in" and "unsubscribe" in marketing.withdraw


def test_html_notice_drafts_the_same_facts():
    page = (
        "<!DOCTYPE html><html><body><nav>Home Shop</nav><main><h1>Privacy Policy</h1>"
        "<p>This site does not use cookies.</p><p>We will not pass your information to any "
        "third parties.</p><p>We keep the emails you send us for two years.</p></main>"
        "<script>document.cookie='x=1'</script></body></html>"
    )
    policy = drafted(page, ".html")
    assert policy["cookies"][0]["audience"] == "operators"  # pledge's own, and nothing else
    assert len(policy["cookies"]) == 1
    assert policy["sharing"]["third_parties"] == "none"
    assert policy["categories"][0]["retention"]["maximum"] == "2y"


@pytest.mark.parametrize(
    "text",
    [
        "plain words",
        "O'Brien: café & bar #1",
        "- starts like a list item",
        "yes",
        "03-31",
        "2019-11-04",
        '"quoted" and \\backslashed\\',
        "tab\tand \u2028 line separator",
        "x" * 300,
    ],
)
def test_scalars_are_written_so_yaml_reads_them_back_unchanged(text):
    assert yaml.safe_load(f"key: {scalar(text)}")["key"] == text


# --- bad input: a clear report, never a crash or a confident wrong draft -----------------------


@pytest.mark.parametrize(
    ("text", "suffix", "reason"),
    [
        ("", ".txt", "empty"),
        ("   \n\n  ", ".md", "empty"),
        ("<html><script>var a = 1;</script><nav>Home</nav></html>", ".html", "no text is left"),
        (
            "Wir erheben personenbezogene Daten nur, soweit dies technisch notwendig ist. Die "
            "Daten werden nach sieben Tagen gelöscht und nicht an Dritte weitergegeben.",
            ".txt",
            "does not read as English",
        ),
        (
            "# Terms of Service\n\nBy using this site you agree to these terms and conditions. "
            "The site is provided as is, without warranty of any kind. Our liability is limited "
            "to the amount you paid. These terms are governed by the law of England.\n",
            ".md",
            "no privacy content",
        ),
    ],
)
def test_bad_input_gets_a_report_and_no_draft(text, suffix, reason):
    result = import_text(text, source=f"input{suffix}", suffix=suffix)
    assert result.draft is None
    assert any(reason in problem for problem in result.problems)


def test_binary_and_missing_files_are_reported(tmp_path):
    binary = tmp_path / "notice.txt"
    binary.write_bytes(b"\x00\x01\x02privacy")
    assert "binary" in import_file(binary).problems[0]
    assert "no such file" in import_file(tmp_path / "absent.txt").problems[0]


def test_a_file_not_in_utf8_is_read_and_the_report_says_so(tmp_path):
    notice = tmp_path / "notice.txt"
    notice.write_bytes("# Privacy\n\nWe don\u2019t use cookies.\n".encode("cp1252"))
    result = import_file(notice)
    assert result.findings.cookies.used.value is False
    assert any("Windows-1252" in note for note in result.notes)


@pytest.mark.parametrize("seed", range(20))
def test_any_text_is_handled_without_an_exception(seed):
    import random

    rng = random.Random(seed)
    alphabet = "abc XYZ.,;:!?#*-|<>&/\n\t()[]\u00e9\u2019\u201c0123456789@"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 2000)))
    for suffix in (".txt", ".html"):
        result = import_text(text, suffix=suffix)
        assert result.draft is not None or result.problems


# --- the command ---------------------------------------------------------------------------------


def test_command_writes_the_draft_and_prints_the_review_summary(tmp_path, capsys):
    notice = tmp_path / "notice.md"
    notice.write_text(SHOP, encoding="utf-8")
    out = tmp_path / "policy.yaml"
    assert main(["policy", "import", str(notice), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Found in the notice" in err and "For review" in err
    assert f"pledge policy check {out}" in err
    load_text(fill_review(out.read_text(encoding="utf-8")))
    # The operator's reviewed draft is never overwritten by a second import.
    assert main(["policy", "import", str(notice), "-o", str(out)]) == 1
    assert "exists" in capsys.readouterr().err


def test_command_prints_the_draft_without_o_and_fails_on_bad_input(tmp_path, capsys):
    notice = tmp_path / "notice.md"
    notice.write_text(SHOP, encoding="utf-8")
    assert main(["policy", "import", str(notice)]) == 0
    assert capsys.readouterr().out.startswith("# Draft policy imported from notice.md")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["policy", "import", str(empty), "-o", str(tmp_path / "x.yaml")]) == 1
    assert "No draft written" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_policy_check_names_each_review_item_with_its_line(tmp_path, capsys):
    notice = tmp_path / "notice.md"
    notice.write_text("# Privacy\n\nWe collect your email address when you write to us.\n")
    out = tmp_path / "draft.yaml"
    assert main(["policy", "import", str(notice), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["policy", "check", str(out)]) == 1
    err = capsys.readouterr().err
    lines = out.read_text().splitlines()
    first = next(n for n, line in enumerate(lines, 1) if ": !review" in line)
    assert f"{out}:{first}:" in err and "!review" in err


def test_front_matter_of_a_static_site_is_not_read_as_the_notice():
    text = (
        "---\nlayout: page\ntitle: We use cookies\n---\n# Privacy\n\nThis site does not use "
        "cookies.\n"
    )
    found = _found(text)
    assert found.cookies.used.value is False
    assert found.cookies.used.evidence[0].start == text.index("This site")


def test_command_reports_an_output_it_cannot_write(tmp_path, capsys):
    notice = tmp_path / "notice.md"
    notice.write_text(SHOP, encoding="utf-8")
    target = tmp_path / "no such directory" / "policy.yaml"
    assert main(["policy", "import", str(notice), "-o", str(target)]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_a_promise_about_some_cookies_is_not_a_promise_of_none():
    found = _found(
        "# Privacy\n\nWe do not use cookies to track you. A session cookie keeps your basket.\n"
    )
    assert found.cookies.used.value is True
    assert not found.contradictions
