"""The notice rendered from each reference policy says what its seed promises, safely."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pledge.policy import Policy, load
from pledge.policy.calendar import Duration
from pledge.policy.notice import NOT_STATED, Facts, build, render, render_page
from pledge.policy.schema import ConsentMode, NotStated

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SECTIONS = [
    "Who we are",
    "What we collect and where it comes from",
    "Why we use your data, and on what legal basis",
    "Cookies",
    "Statistics",
    "How long we keep data, and how we delete it",
    "Who receives your data",
    "Payments and card data",
    "Passwords and security",
    "Your rights",
    "Contact us",
]
VOID = {"meta", "br", "hr", "img", "input", "link"}
EVIL = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def alps() -> Policy:
    return load(POLICIES / "alps.yaml")


@pytest.fixture(scope="module")
def jc() -> Policy:
    return load(POLICIES / "japan-centre.yaml")


@pytest.fixture(scope="module", params=["alps", "japan-centre"])
def policy(request: pytest.FixtureRequest) -> Policy:
    return load(POLICIES / f"{request.param}.yaml")


def text(value: str) -> str:
    return " ".join(value.split())


def md(policy: Policy) -> str:
    return text(render(policy, "md"))


def section_md(policy: Policy, heading: str) -> str:
    """The Markdown of one numbered section, whitespace collapsed."""
    out = render(policy, "md")
    start = re.search(rf"^## \d+\. {re.escape(heading)}$", out, re.M)
    assert start, f"no section {heading!r}"
    end = re.search(r"^## ", out[start.end() :], re.M)
    return text(out[start.end() : start.end() + end.start() if end else None])


def facts(policy: Policy, section_key: str, caption: str | None) -> dict[str, str]:
    section = next(s for s in build(policy).sections if s.key == section_key)
    found = [b for b in section.blocks if isinstance(b, Facts) and b.caption == caption]
    assert len(found) == 1, f"{caption!r} in {section_key}: {found}"
    return dict(found[0].rows)


def not_stated(policy: Policy) -> list[str]:
    models: list[NotStated] = [policy.controller, policy.law, policy.payments]
    models += [*policy.purposes, *policy.recipients, *(c.retention for c in policy.categories)]
    return [text(m.not_stated) for m in models if m.not_stated]


class TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += attrs

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def balanced(markup: str) -> TagBalance:
    parser = TagBalance()
    parser.feed(markup)
    parser.close()
    assert parser.problems == []
    assert parser.stack == []
    return parser


# --- structure ---------------------------------------------------------------------------------


@pytest.mark.clause("AL1")
def test_every_section_present_in_order_and_none_empty(policy: Policy) -> None:
    out = render(policy, "md")
    headings = re.findall(r"^## \d+\. (.+)$", out, re.M)
    assert headings == SECTIONS
    assert all(section.blocks for section in build(policy).sections)
    for heading in SECTIONS:
        assert len(section_md(policy, heading)) > 40, heading
    page = render(policy, "html")
    ids = re.findall(r'<section id="notice-([a-z-]+)">', page)
    assert ids == [s.key for s in build(policy).sections]


@pytest.mark.clause("AL1")
def test_header_shows_title_effective_date_and_original(policy: Policy) -> None:
    head = render(policy, "md").split("\n## ", 1)[0]
    assert head.startswith(f"# {policy.title}\n")
    assert "Effective from 22 November 2026." in head
    assert f"keeps the promises of our original privacy notice ({policy.original})" in head
    assert text(policy.summary) in text(head)


@pytest.mark.clause("AL1")
def test_every_category_and_purpose_appears(policy: Policy) -> None:
    for out in (md(policy), text(html.unescape(render(policy, "html")))):
        for category in policy.categories:
            assert category.name in out
            for field in category.fields:
                assert field.lower() in out.lower()
        for purpose in policy.purposes:
            assert text(purpose.description).rstrip(".") in out


def test_both_formats_say_the_same_words(policy: Policy) -> None:
    class Words(HTMLParser):
        words: list[str] = []

        def handle_data(self, data: str) -> None:
            self.words += data.split()

    parser = Words()
    parser.words = []
    parser.feed(render(policy, "html"))
    markdown = render(policy, "md")
    markdown = re.sub(r"^(#+|-|>) ", "", markdown, flags=re.M).replace("**", "")
    markdown = re.sub(r"<([^<>\s]+)>", r"\1", markdown)
    markdown = re.sub(r"\\(.)", r"\1", markdown)

    def norm(words: list[str]) -> list[str]:
        return [w.rstrip(":") for w in words if w.rstrip(":")]

    assert norm(parser.words) == norm(markdown.split())


# --- what the seeds promise ----------------------------------------------------------------------


@pytest.mark.clause("AL2")
def test_alps_lists_the_kinds_the_law_counts_as_personal_data(alps: Policy) -> None:
    section = section_md(alps, "What we collect and where it comes from")
    assert "what the law counts as personal data" in section
    items = re.findall(r"^- (.+)$", render(alps, "md"), re.M)
    for kind in alps.personal_data_kinds:
        assert kind.label in items
        assert f"<li>{html.escape(kind.label)}</li>" in render(alps, "html")


@pytest.mark.clause("AL5")
def test_alps_says_the_site_sets_no_cookies(alps: Policy) -> None:
    section = section_md(alps, "Cookies")
    assert "This site does not use cookies." in section
    assert "No public page of this site sets a cookie, ours or anyone else's." in section
    assert re.findall(r"### The (\w+) cookie", section) == ["operator"]
    assert "Only our staff, never customers or visitors." in section


@pytest.mark.clause("AL6", "AL11")
def test_alps_web_logs_five_years_then_after_the_japanese_fiscal_year(alps: Policy) -> None:
    logs = facts(alps, "retention", "Web server logs")
    assert logs["How long"].startswith("Kept for five years after we collect it.")
    assert "after the end of the Japanese financial year on 31 March" in logs["How long"]
    assert "within 30 days" in logs["How long"]
    assert logs["Deletion at your request"].startswith(
        "It cannot be deleted at your request, because"
    )
    assert "off-site backups are deleted" in logs["About this period"]
    section = section_md(alps, "How long we keep data, and how we delete it")
    assert "destroy its key" in section and "not in our backups" in section
    assert "after the end of the Japanese financial year on 31 March" in section


@pytest.mark.clause("AL7")
def test_alps_email_kept_five_years_then_deleted_on_written_request(alps: Policy) -> None:
    mail = facts(alps, "retention", "Email correspondence")
    assert mail["How long"].startswith("Kept for at least five years after we collect it.")
    assert "not deleted automatically: we delete it when you ask us in writing" in mail["How long"]
    assert (
        "ask us in writing to delete it once we have kept it for five years; until then"
        in (mail["Deletion at your request"])
    )


@pytest.mark.clause("AL11")
def test_alps_transactions_cannot_be_deleted_on_request(alps: Policy) -> None:
    ledger = facts(alps, "retention", "Orders, PayPal and bank transfer records")
    assert ledger["Deletion at your request"] == (
        "It cannot be deleted at your request, because we must keep it for seven years to meet a "
        "legal obligation: auditing requirements for Japanese internet business records."
    )
    assert "Kept for seven years" in ledger["How long"]


@pytest.mark.clause("AL11")
def test_fiscal_schedule_outside_japan_is_our_financial_year(alps: Policy) -> None:
    london = alps.model_copy(update={"time_zone": "Europe/London"})
    logs = facts(london, "retention", "Web server logs")
    assert "after the end of our financial year on 31 March" in logs["How long"]
    assert "Japanese" not in logs["How long"]


@pytest.mark.clause("AL9")
def test_alps_shares_only_with_law_enforcement(alps: Policy) -> None:
    section = section_md(alps, "Who receives your data")
    assert "unless required to be handed over under legal obligations for law enforcement" in (
        section
    )
    police = facts(alps, "recipients", "Law enforcement")
    assert police["When"].startswith("Only when we are legally obliged to hand data over")
    assert "recorded in our disclosure register" in police["When"]


@pytest.mark.clause("JC12")
def test_japan_centre_passes_nothing_to_third_parties(jc: Policy) -> None:
    section = section_md(jc, "Who receives your data")
    assert section.startswith("We will not pass your information to any third parties.")
    provider = facts(jc, "recipients", "Our card payment provider")
    assert provider["Who they are"].startswith("A processor: it acts only on our instructions")
    police = facts(jc, "recipients", "Police and other authorities")
    assert "Only where the law compels us" in police["When"]


@pytest.mark.clause("JC10")
def test_japan_centre_marketing_only_by_the_unticked_box(jc: Policy) -> None:
    description = next(p for p in jc.purposes if p.marketing).description.rstrip(".")
    marketing = facts(jc, "why", description)
    assert marketing["Legal basis"] == "Your consent."
    assert (
        "only if you tick the box that asks for it on the registration form"
        in (marketing["Your choice"])
    )
    assert "The box is unticked until you tick it yourself." in marketing["Your choice"]
    assert marketing["How to withdraw"].startswith("Untick the box on your account page")


@pytest.mark.clause("JC11")
def test_japan_centre_basket_cookie_deleted_when_the_browser_closes(jc: Policy) -> None:
    basket = facts(jc, "cookies", "The basket cookie")
    assert "deleted when you close your browser" in basket["How long it lasts"]
    assert "correct basket" in basket["What it does"]
    staff = facts(jc, "cookies", "The operator cookie")
    assert staff["Who receives it"] == "Only our staff, never customers or visitors."
    assert "These cookies are deleted as soon as you leave our site." in section_md(jc, "Cookies")


@pytest.mark.clause("JC4")
def test_japan_centre_passwords_one_way_hashed(jc: Policy) -> None:
    section = section_md(jc, "Passwords and security")
    assert "All passwords are stored on our databases using a one-way hash (Argon2id)." in section
    assert "512-bit SHA-512 digests" in section


@pytest.mark.clause("JC5")
def test_japan_centre_keeps_no_card_data(jc: Policy) -> None:
    section = section_md(jc, "Payments and card data")
    assert "We do not retain any credit card information on our servers or databases." in section


@pytest.mark.clause("JC1", "JC14")
def test_japan_centre_names_the_controller_and_one_address(jc: Policy) -> None:
    who = facts(jc, "who-we-are", None)
    assert who["Name"] == "Japan Centre" and who["Email"] == "enquiry@japancentre.com"
    contact = facts(jc, "contact", None)
    assert contact == {"Email": "enquiry@japancentre.com"}
    assert '<a href="mailto:enquiry@japancentre.com">' in render(jc, "html")
    assert "the Information Commissioner's Office" in section_md(jc, "Your rights")


@pytest.mark.clause("AL14")
def test_alps_questions_and_requests_go_to_the_operators(alps: Policy) -> None:
    contact = facts(alps, "contact", None)
    assert contact["Email"] == "info@alps-printer.jp"
    rights = section_md(alps, "Your rights")
    assert "contact the site owner/operators at" in rights and "info@alps-printer.jp" in rights
    assert "We reply within one month" in rights


def test_rights_cover_access_rectification_erasure_objection_complaint(policy: Policy) -> None:
    rights = facts(policy, "rights", None)
    assert {"Access", "Correction", "Erasure", "Objection", "Complaint"} <= set(rights)


def test_every_not_stated_reason_is_shown_as_a_marked_note(policy: Policy) -> None:
    reasons = not_stated(policy)
    assert reasons
    out, page = md(policy), text(render(policy, "html"))
    for reason in reasons:
        assert f"> **{NOT_STATED}:** {reason}" in out
        assert f"<strong>{NOT_STATED}:</strong> {html.escape(reason)}</p></aside>" in page
    page = render(policy, "html")
    assert page.count(f"<strong>{NOT_STATED}:</strong>") == len(reasons)
    assert render(policy, "md").count(f"> **{NOT_STATED}:**") == len(reasons)


def test_markdown_has_no_yaml_words(policy: Policy) -> None:
    out = render(policy, "md")
    for word in ("legitimate-interests", "legal-obligation", "browser-session", "opt-in"):
        assert word not in out
    for word in ("None", "True", "False", "[]", "{", "user."):
        assert word not in out
    assert "our legitimate interests" in out.lower()


# --- safety ------------------------------------------------------------------------------------


def test_html_is_a_balanced_fragment_with_no_script_style_or_foreign_url(policy: Policy) -> None:
    page = render(policy, "html")
    assert page.startswith('<article class="notice">') and page.endswith("</article>\n")
    parser = balanced(page)
    assert "<script" not in page.lower() and "<style" not in page.lower()
    assert all(name != "style" and not name.startswith("on") for name, _ in parser.attrs)
    own = policy.model_dump_json()
    for url in re.findall(r"https?://[^\s\"'<>]+", page):
        assert url in own, url


def test_page_is_a_standalone_document(policy: Policy) -> None:
    page = render_page(policy)
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in page
    assert f"<title>{html.escape(policy.title)}</title>" in page
    assert render(policy, "html") in page
    parser = balanced(page)
    assert not any(name in ("src", "style") for name, _ in parser.attrs)
    assert "<link" not in page and "<script" not in page and "@import" not in page
    assert page.count("<style>") == 1


def test_values_are_escaped(jc: Policy) -> None:
    evil = jc.model_copy(
        update={
            "title": EVIL,
            "controller": jc.controller.model_copy(update={"name": EVIL}),
            "purposes": [jc.purposes[0].model_copy(update={"description": EVIL}), *jc.purposes[1:]],
        }
    )
    for out in (render(evil, "html"), render_page(evil)):
        assert "<script" not in out
        assert "&lt;script&gt;" in out
        balanced(out)
    markdown = render(evil, "md")
    assert "<script>" not in markdown
    assert r"\<script\>" in markdown


def test_markdown_escapes_markup_and_list_markers(jc: Policy) -> None:
    odd = jc.model_copy(update={"summary": "1. *not* a [list](x) & &amp; _here_"})
    out = render(odd, "md")
    assert r"1\. \*not\* a \[list\](x) & \&amp; \_here\_" in out


def test_rendering_is_deterministic(policy: Policy) -> None:
    again = load(POLICIES / f"{policy.id}.yaml")
    for fmt in ("html", "md"):
        assert render(policy, fmt).encode() == render(again, fmt).encode()
    assert render_page(policy) == render_page(again)


def test_other_shapes_of_policy_read_sensibly(jc: Policy) -> None:
    keep = jc.categories[4].retention.model_copy(
        update={"maximum": None, "on_request": True, "minimum": Duration.parse("1y")}
    )
    variant = jc.model_copy(
        update={
            "original": None,
            "recipients": [],
            "cookies": [jc.cookies[0].model_copy(update={"lifetime": Duration.parse("14d")})],
            "analytics": jc.analytics.model_copy(update={"mode": "none"}),
            "purposes": [
                p.model_copy(update={"withdraw": None, "consent": ConsentMode.NONE})
                for p in jc.purposes
            ],
            "categories": [
                c.model_copy(update={"retention": keep}) if i == 4 else c
                for i, c in enumerate(jc.categories)
            ],
        }
    )
    out = md(variant)
    assert "keeps the promises" not in out and NOT_STATED in out
    assert "No one else receives your personal data." in out
    assert "**How long it lasts:** 14 days, then your browser deletes it." in out
    assert "We keep no statistics about visits to this site." in out
    assert "**How to withdraw:** Tell us at <enquiry@japancentre.com> at any time" in out
    assert "The box is unticked" not in out
    assert (
        "Kept for at least one year after your last activity. After that it is not deleted" in out
    )
    assert "You can ask us to delete it once we have kept it for one year;" in out
    balanced(render(variant, "html"))


def test_unknown_format_is_refused(alps: Policy) -> None:
    with pytest.raises(ValueError, match="unknown notice format"):
        render(alps, "pdf")  # type: ignore[arg-type]
