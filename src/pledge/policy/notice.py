"""The privacy notice, rendered from the policy: one document model, two renderers.

``build`` turns a ``Policy`` into a small document (sections of paragraphs, bullet lists,
definition-style facts and "not stated" notes); ``render`` writes it as an HTML fragment or as
Markdown, so both formats say exactly the same things. Every value is escaped; e-mail and web
addresses found in the policy's text become links. Pure Python: imports no Django.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pledge.policy.calendar import Duration
from pledge.policy.schema import (
    Anchor,
    Category,
    ConsentMode,
    Cookie,
    CookieAudience,
    LegalBasis,
    NotStated,
    Party,
    Policy,
    Purpose,
    RecipientKind,
    Retention,
    SubjectKind,
)

NOT_STATED = "Not stated in our original notice"
LEGAL_DUTY = LegalBasis.LEGAL_OBLIGATION

# --- the document model ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph, a sub-heading, or a note on a point the original notice did not make."""

    kind: Literal["paragraph", "heading", "note"]
    text: str


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Facts:
    """A definition-style table: an optional caption, then (term, value) rows."""

    caption: str | None
    rows: tuple[tuple[str, str], ...]


Block = Text | Bullets | Facts


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    preamble: tuple[Block, ...]
    sections: tuple[Section, ...]


def _p(*parts: str) -> Text:
    return Text("paragraph", " ".join(_clean(part) for part in parts if part))


def _note(model: NotStated) -> list[Block]:
    return [Text("note", _sentence(model.not_stated))] if model.not_stated else []


# --- words -------------------------------------------------------------------------------------

_BASIS = {
    LegalBasis.CONSENT: "Your consent.",
    LegalBasis.CONTRACT: (
        "Performing our contract with you, or steps you ask for before we enter into one."
    ),
    LegalBasis.LEGAL_OBLIGATION: "Complying with a legal obligation that applies to us.",
    LegalBasis.VITAL_INTERESTS: "Protecting your vital interests, or someone else's.",
    LegalBasis.PUBLIC_TASK: "Performing a task in the public interest.",
    LegalBasis.LEGITIMATE_INTERESTS: (
        "Our legitimate interests, where your rights and interests do not outweigh them."
    ),
}
_ANCHOR = {
    Anchor.COLLECTED: "we collect it",
    Anchor.LAST_ACTIVITY: "your last activity",
    Anchor.ACCOUNT_CLOSED: "you close your account",
    Anchor.ORDER_COMPLETED: "the order is completed",
    Anchor.CONSENT_WITHDRAWN: "you withdraw your consent",
}
_SUBJECT = {
    SubjectKind.CUSTOMER: "Our customers.",
    SubjectKind.VISITOR: "Visitors to this site.",
    SubjectKind.CORRESPONDENT: "Anyone who writes to us.",
    SubjectKind.OPERATOR: "Our own staff.",
}
_RECIPIENT = {
    RecipientKind.PROCESSOR: "A processor: it acts only on our instructions, never for itself.",
    RecipientKind.LAW_ENFORCEMENT: "Authorities the law entitles to demand data from us.",
    RecipientKind.OTHER: "Another organisation.",
}


def _clean(text: str) -> str:
    return " ".join(text.split())


def _sentence(text: str) -> str:
    text = _clean(text)
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _bare(text: str) -> str:
    return _clean(text).rstrip(".")


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    """'Visit statistics' -> 'visit statistics'; 'PayPal records' and 'UK law' stay as they are."""
    word = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if word[1:] == word[1:].lower() else text


def _listing(names: list[str]) -> str:
    """'Your account, your orders.': a list of names as a sentence."""
    return _sentence(", ".join([names[0], *map(_lower_first, names[1:])]))


def _the(law: str) -> str:
    return law if law.lower().startswith("the ") else f"the {law}"


def _laws(p: Policy) -> str:
    names = [_the(name) for name in p.law.frameworks]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _ask(p: Policy) -> str:
    return "ask us in writing" if p.rights.in_writing_only else "ask us"


# --- sections ----------------------------------------------------------------------------------


def _who(p: Policy) -> list[Block]:
    c, law = p.controller, p.law
    rows = [("Name", c.name), ("Legal name", c.legal_name), ("Email", c.email)]
    rows += [("Post", c.address), ("Website", c.website)]
    facts = Facts(None, tuple((term, _clean(v)) for term, v in rows if v))
    was = (
        law.original_reference
        and f"Our original notice referred to {_the(law.original_reference)}."
    )
    regulator = law.regulator and f"The regulator responsible for us is {_bare(law.regulator)}."
    return [
        _p(
            f"{c.name} decides how the personal data described in this notice is used and is "
            "responsible for it (the data controller)."
        ),
        facts,
        *_note(c),
        _p(f"We handle personal data under {_laws(p)}.", was or "", regulator or ""),
        *_note(law),
    ]


def _collect(p: Policy) -> list[Block]:
    blocks: list[Block] = []
    if p.personal_data_kinds:
        blocks += [
            _p(
                "By personal data we mean what the law counts as personal data: any information "
                "that can be used to identify you, such as:"
            ),
            Bullets(tuple(_clean(k.label) for k in p.personal_data_kinds)),
        ]
    blocks.append(_p("We collect the following, and nothing else:"))
    for c in p.categories:
        rows = (
            ("What we hold", _sentence(_upper_first(", ".join(c.fields)))),
            ("Where it comes from", _sentence(_upper_first(", ".join(c.sources)))),
            ("About whom", _SUBJECT[c.subject]),
            ("How we store it", "Encrypted." if c.encrypted else "Without encryption."),
        )
        blocks.append(Facts(c.name, rows))
    return blocks


def _purpose(p: Policy, purpose: Purpose) -> list[Block]:
    rows = [("Legal basis", _BASIS[purpose.legal_basis])]
    used = [c.name for c in p.categories if purpose.id in c.purposes]
    rows += [("Data used", _listing(used))] if used else []
    if purpose.consent is ConsentMode.OPT_IN:
        where = " on the registration form or your account page" if p.accounts.registration else ""
        choice = (
            f"We do this only if you tick the box that asks for it{where}. The box is "
            "unticked until you tick it yourself."
        )
        rows.append(("Your choice", choice))
    if purpose.legal_basis is LegalBasis.CONSENT or purpose.withdraw:
        default = f"Tell us at {p.controller.email} at any time; we stop at once."
        rows.append(("How to withdraw", _sentence(purpose.withdraw or default)))
    return [Facts(_bare(purpose.description), tuple(rows)), *_note(purpose)]


def _purposes(p: Policy) -> list[Block]:
    blocks: list[Block] = [
        _p(
            f"We use personal data only for the purposes below, each on the legal basis given for "
            f"it under {_laws(p)}."
        )
    ]
    for purpose in p.purposes:
        blocks += _purpose(p, purpose)
    if not p.has_marketing:
        blocks.append(
            _p("We do not use personal data for marketing.", "We send no marketing messages.")
        )
    return blocks


def _cookie(p: Policy, cookie: Cookie) -> Facts:
    purpose = p.purpose(cookie.purpose)
    lifetime = cookie.lifetime
    if isinstance(lifetime, Duration):
        lasts = f"{_upper_first(lifetime.words())}, then your browser deletes it."
    else:
        lasts = "Only while your browser is open: it is deleted when you close your browser."
    rows = [("What it does", _sentence(cookie.description))]
    rows += [("Purpose", _sentence(purpose.description))] if purpose else []
    rows += [("How long it lasts", lasts)]
    rows += [("Set by", "Us." if cookie.party is Party.FIRST else "Another organisation.")]
    if cookie.audience is CookieAudience.OPERATORS:
        rows += [("Who receives it", "Only our staff, never customers or visitors.")]
    return Facts(f"The {cookie.name} cookie", tuple(rows))


def _cookies(p: Policy) -> list[Block]:
    blocks: list[Block] = [_p(p.cookie_statement)]
    if not p.visitor_cookies():
        staff = " Only the administration pages our staff sign in to use one." if p.cookies else ""
        blocks.append(
            _p(f"No public page of this site sets a cookie, ours or anyone else's.{staff}")
        )
    return blocks + [_cookie(p, cookie) for cookie in p.cookies]


def _statistics(p: Policy) -> list[Block]:
    a, logs = p.analytics, p.category(p.web_logs.category or "")
    blocks: list[Block] = [_p(a.statement)]
    if a.mode == "none":
        blocks.append(_p("We keep no statistics about visits to this site."))
    else:
        salt = a.unique_salt_lifetime.words()
        blocks.append(
            _p(
                f"Any figure about fewer than {a.min_group_size} people is left out, so no one can "
                "be picked out from our statistics. To count each visitor only once a day, our "
                f"statistics use a key that changes daily and is destroyed after {salt}, and keep "
                "only the counts."
            )
        )
    if not p.web_logs.keep:
        blocks.append(_p("Our web server keeps no log of individual visits."))
    elif logs:
        blocks.append(
            _p(
                f"Our web server logs each request: what it records, and for how long "
                f"we keep it, is set out under “{logs.name}”."
            )
        )
    return blocks


def _period(p: Policy, r: Retention) -> str:
    """How long a rule keeps data, in words: minimum, maximum, anchor, schedule and grace."""
    event, least = _ANCHOR[r.anchor], f"at least {r.minimum.words()}"
    if r.maximum is None:
        if r.on_request and r.minimum.is_zero:
            return f"Kept until you {_ask(p)} to delete it."
        kept = f"Kept for {least} after {event}." if not r.minimum.is_zero else "Kept."
        if r.on_request:
            return (
                f"{kept} After that it is not deleted automatically: we delete it when you "
                f"{_ask(p)}."
            )
        return f"{kept[:-1]}, with no fixed end."
    most = r.maximum.words()
    if r.maximum.is_zero:
        keep = f"Due for deletion as soon as {event}"
    elif r.maximum == r.minimum:
        keep = f"Kept for {most} after {event}"
    elif r.minimum.is_zero:
        keep = f"Kept for up to {most} after {event}"
    else:
        keep = f"Kept for {least} and at most {most} after {event}"
    within = "" if r.schedule.grace.is_zero else f", within {r.schedule.grace.words()}"
    fiscal = r.schedule.after_fiscal_year_end
    if fiscal is None:
        return f"{keep}{within}." if r.maximum.is_zero else f"{keep}, then deleted{within}."
    year = "the Japanese financial year" if p.time_zone == "Asia/Tokyo" else "our financial year"
    return (
        f"{keep}. It is then deleted after the end of {year} on {fiscal.words()} that "
        f"follows{within}."
    )


def _erasure(p: Policy, c: Category) -> str:
    r = c.retention
    if r.erasable_on_request and r.minimum.is_zero:
        return f"You can {_ask(p)} to delete it at any time."
    if r.erasable_on_request:
        return (
            f"You can {_ask(p)} to delete it once we have kept it for {r.minimum.words()}; until "
            "then we must keep it."
        )
    duties = [d for d in map(p.purpose, c.purposes) if d and d.legal_basis is LEGAL_DUTY]
    why = "; ".join(_lower_first(_bare(d.description)) for d in duties)
    span = "" if r.minimum.is_zero else f" for {r.minimum.words()}"
    because = f"to meet a legal obligation: {why}" if why else "because the law requires it"
    return f"It cannot be deleted at your request, because we must keep it{span} {because}."


def _deletion(p: Policy) -> list[Block]:
    plain = [c.name for c in p.categories if not c.encrypted]
    except_ = (
        plain and f"All the data above is held this way except {_lower_first(_listing(plain))}"
    )
    blocks: list[Block] = [
        Text("heading", "How deletion works"),
        _p(
            "Deletion runs automatically once a day: data is deleted at the first daily run after "
            "the time given above."
        ),
        _p(
            "We hold personal data encrypted: each person's data under a key of its own, and data "
            "that belongs to no account under a key for each period. When data is deleted we "
            "destroy its key as well as the records, so no copy can be read again by anyone: not "
            "on our servers, not off site, and not in our backups. The keys are never kept with "
            "the data or its backups, and the master key that protects them is replaced every "
            f"{p.erasure_window.words()}.",
            except_ or "",
        ),
    ]
    if p.analytics.mode != "none":
        blocks.append(
            _p(
                "Anonymised statistics made from personal data cannot identify you, "
                "and are not deleted with it."
            )
        )
    return blocks


def _retention(p: Policy) -> list[Block]:
    blocks: list[Block] = [_p("We keep each kind of personal data only as long as set out below.")]
    for c in p.categories:
        rows = [("How long", _period(p, c.retention))]
        rows += [("About this period", _sentence(c.retention.reason))] if c.retention.reason else []
        rows += [("Deletion at your request", _erasure(p, c))]
        blocks += [Facts(c.name, tuple(rows)), *_note(c.retention)]
    return blocks + _deletion(p)


def _recipients(p: Policy) -> list[Block]:
    blocks: list[Block] = [_p(p.sharing.statement)]
    if not p.recipients:
        return [*blocks, _p("No one else receives your personal data.")]
    blocks.append(_p("Only the following may receive personal data, and only as stated:"))
    for r in p.recipients:
        rows = [("Who they are", _RECIPIENT[r.kind])]
        names = [c.name for c in map(p.category, r.categories) if c]
        rows += [("What they may receive", _listing(names))] if names else []
        rows += [("When", _sentence(r.condition))]
        blocks += [Facts(r.name, tuple(rows)), *_note(r)]
    return blocks


def _payments(p: Policy) -> list[Block]:
    return [_p(p.payments.statement), *_note(p.payments), _p(p.cards.statement)]


def _security(p: Policy) -> list[Block]:
    return [_p(p.passwords.statement), *(_p(s) for s in p.security.statements)]


def _rights(p: Policy) -> list[Block]:
    retention = next(n for n, (key, *_) in enumerate(_SECTIONS, start=1) if key == "retention")
    marketing = " You can stop our marketing at any time, and we stop at once."
    marketing = marketing if p.has_marketing else ""
    rows = [
        ("Access", "You can ask for a copy of the personal data we hold about you."),
        ("Correction", "You can ask us to correct personal data that is wrong or incomplete."),
        (
            "Erasure",
            "You can ask us to delete your personal data. Where the law requires us to "
            f"keep something, section {retention} says what, and for how long.",
        ),
        (
            "Objection",
            "You can object to our use of your personal data for our legitimate "
            "interests." + marketing,
        ),
    ]
    if any(purpose.legal_basis is LegalBasis.CONSENT for purpose in p.purposes):
        rows.append(
            (
                "Withdrawing consent",
                "Where we rely on your consent, you can withdraw it "
                "at any time. This does not affect what we did before.",
            )
        )
    regulator = _bare(
        p.law.regulator or "a data protection regulator, such as the one where you live or work"
    )
    rows.append(("Complaint", f"You can complain to {regulator}."))
    return [
        _p("You have the following rights:"),
        Facts(None, tuple(rows)),
        _p("How to ask:", p.rights.how),
        _p(f"We reply within {p.rights.response_time.words()} of receiving your request."),
    ]


def _contact(p: Policy) -> list[Block]:
    c = p.controller
    rows = tuple((term, _clean(v)) for term, v in (("Email", c.email), ("Post", c.address)) if v)
    return [
        _p(
            f"For any question about this notice, or any request about your personal data, "
            f"contact {c.name}:"
        ),
        Facts(None, rows),
    ]


_SECTIONS = (
    ("who-we-are", "Who we are", _who),
    ("what-we-collect", "What we collect and where it comes from", _collect),
    ("why", "Why we use your data, and on what legal basis", _purposes),
    ("cookies", "Cookies", _cookies),
    ("statistics", "Statistics", _statistics),
    ("retention", "How long we keep data, and how we delete it", _retention),
    ("recipients", "Who receives your data", _recipients),
    ("payments", "Payments and card data", _payments),
    ("security", "Passwords and security", _security),
    ("rights", "Your rights", _rights),
    ("contact", "Contact us", _contact),
)


def build(policy: Policy) -> Document:
    """The notice as a document model: what both renderers write."""
    d = policy.effective
    preamble: list[Block] = [_p(f"Effective from {d.day} {calendar.month_name[d.month]} {d.year}.")]
    if policy.original:
        preamble.append(
            _p(
                f"This notice keeps the promises of our original privacy notice "
                f"({_bare(policy.original)}). Where it says something the original did not, the "
                f"point is marked “{NOT_STATED}”, with the reason."
            )
        )
    preamble.append(_p(_sentence(policy.summary)))
    sections = tuple(
        Section(key, f"{n}. {heading}", tuple(make(policy)))
        for n, (key, heading, make) in enumerate(_SECTIONS, start=1)
    )
    return Document(_clean(policy.title), tuple(preamble), sections)


# --- renderers ---------------------------------------------------------------------------------

_LINKABLE = re.compile(
    r"(?P<url>https?://[^\s<>\"']*[^\s<>\"'.,;:!?)\]])"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LIST_START = re.compile(r"^(\d+)([.)])|^([-+=])")


def _spans(text: str) -> Iterator[tuple[str, str | None]]:
    """Plain runs and links (text, href); web and e-mail addresses become links."""
    pos = 0
    for m in _LINKABLE.finditer(text):
        if m.start() > pos:
            yield text[pos : m.start()], None
        yield m.group(), m["url"] or f"mailto:{m['email']}"
        pos = m.end()
    if pos < len(text):
        yield text[pos:], None


def _html(text: str) -> str:
    return "".join(
        html.escape(run)
        if href is None
        else f'<a href="{html.escape(href)}">{html.escape(run)}</a>'
        for run, href in _spans(_clean(text))
    )


def _md(text: str, line_start: bool = False) -> str:
    """Markdown that shows ``text`` literally; a list marker at a line's start is escaped too."""
    out = []
    for i, (run, href) in enumerate(_spans(_clean(text))):
        if href is not None:
            out.append(f"<{run}>")
            continue
        run = _MD_ENTITY.sub(r"\\&", _MD_SPECIAL.sub(r"\\\1", run))
        if line_start and i == 0:
            run = _MD_LIST_START.sub(lambda m: f"{m[0][:-1]}\\{m[0][-1]}", run)
        out.append(run)
    return "".join(out)


def _html_block(block: Block) -> str:
    match block:
        case Text("heading", text):
            return f"<h3>{_html(text)}</h3>"
        case Text("note", text):
            return (
                f'<aside class="notice-not-stated"><p><strong>{NOT_STATED}:</strong> '
                f"{_html(text)}</p></aside>"
            )
        case Text(_, text):
            return f"<p>{_html(text)}</p>"
        case Bullets(items):
            return "<ul>\n" + "".join(f"<li>{_html(i)}</li>\n" for i in items) + "</ul>"
        case Facts(caption, rows):
            head = f"<h3>{_html(caption)}</h3>\n" if caption else ""
            body = "".join(f"<dt>{_html(t)}</dt><dd>{_html(v)}</dd>\n" for t, v in rows)
            return f'{head}<dl class="notice-facts">\n{body}</dl>'


def _md_block(block: Block) -> str:
    match block:
        case Text("heading", text):
            return f"### {_md(text)}"
        case Text("note", text):
            return f"> **{NOT_STATED}:** {_md(text)}"
        case Text(_, text):
            return _md(text, line_start=True)
        case Bullets(items):
            return "\n".join(f"- {_md(i, line_start=True)}" for i in items)
        case Facts(caption, rows):
            head = f"### {_md(caption)}\n\n" if caption else ""
            return head + "\n".join(f"- **{_md(t)}:** {_md(v)}" for t, v in rows)


def _to_html(doc: Document) -> str:
    out = ['<article class="notice">', "<header>", f"<h1>{_html(doc.title)}</h1>"]
    out += [*map(_html_block, doc.preamble), "</header>"]
    for s in doc.sections:
        out += [f'<section id="notice-{s.key}">', f"<h2>{_html(s.heading)}</h2>"]
        out += [*map(_html_block, s.blocks), "</section>"]
    return "\n".join([*out, "</article>"]) + "\n"


def _to_md(doc: Document) -> str:
    out = [f"# {_md(doc.title)}", *map(_md_block, doc.preamble)]
    for s in doc.sections:
        out += [f"## {_md(s.heading)}", *map(_md_block, s.blocks)]
    return "\n\n".join(out) + "\n"


def render(policy: Policy, fmt: Literal["html", "md"]) -> str:
    """The notice as an HTML fragment (``<article class="notice">``) or as Markdown."""
    if fmt not in ("html", "md"):
        raise ValueError(f"unknown notice format {fmt!r} (use 'html' or 'md')")
    return (_to_html if fmt == "html" else _to_md)(build(policy))


_STYLE = """
body { font: 1rem/1.55 system-ui, sans-serif; color: #1d1d1f; margin: 0; }
.notice { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
.notice h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
.notice-facts { display: grid; grid-template-columns: minmax(9rem, 30%) 1fr; gap: .3rem 1rem; }
.notice-facts dt { font-weight: 600; }
.notice-facts dd { margin: 0; }
.notice-not-stated { border-left: 4px solid #b58900; background: #fdf6e3; padding: 0 .8rem; }
"""


def render_page(policy: Policy) -> str:
    """A standalone HTML5 document holding the notice; it loads nothing from anywhere."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html(policy.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"{render(policy, 'html')}</body>\n</html>\n"
    )
