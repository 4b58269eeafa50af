"""The draft policy file: the findings put in the policy's shape, each value with its source.

Three kinds of value, always told apart in the file and in the summary:

- *stated*: read from the notice; the comment above cites the sentence (offsets and text);
- *for review*: the notice is silent, unclear or contradicts itself; the value is tagged
  ``!review`` ("not stated" where nothing was said) and the comment says what to decide. The
  policy checker refuses the tag, so the draft cannot be used until each one is decided;
- *proposed*: pledge's own setting where the notice has nothing to say and a policy needs a
  value that is no promise to the reader (an id, the daily sweep hour, a cookie's name); the
  comment says so.

Where a section accepts ``not_stated``, the draft fills it in for every point the notice does
not make, so the rendered notice tells readers which promises are new.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from pledge.policy.calendar import Duration, FiscalYearEnd
from pledge.policy.prose.data import GENERAL, CategoryFinding
from pledge.policy.prose.facts import Fact, Status, unique
from pledge.policy.prose.findings import Findings
from pledge.policy.prose.retention import Rule
from pledge.policy.prose.sharing import PROCESSOR_KINDS
from pledge.policy.prose.text import Document, Sentence
from pledge.policy.prose.yaml_out import Item, Mapping, cite, header, render

ASK: dict[str, str] = {
    # What the operator decides where the notice is silent, by the place in the policy.
    "title": "write the title the rendered notice should carry",
    "summary": "write one or two sentences that open the notice",
    "controller.name": "write the business's name as the public knows it",
    "controller.email": "write the address for privacy requests",
    "law.jurisdiction": "write the two-letter code of the controller's country (GB, JP, DE)",
    "law.frameworks": "list the laws the policy is kept under, e.g. [UK GDPR, Data Protection "
    "Act 2018]",
    "time_zone": "write the controller's time zone, an IANA name such as 'Europe/London': "
    "retention deadlines count in it",
    "cookie_statement": "the notice does not say whether the site uses cookies: write what "
    "visitors should know (pledge sets one session cookie where there is a basket or accounts, "
    "and none otherwise)",
    "cookie.name": "the notice does not name this cookie or say what it is for: name it, or "
    "remove the entry if the site will not set it",
    "cookie.lifetime": "the notice does not say how long this cookie lasts: write "
    "'browser-session' or a duration such as '30d'",
    "cookie.party": "the notice describes a third-party cookie but declares no sharing with "
    "third parties, and pledge sets no third-party cookies: remove the entry or declare the "
    "sharing",
    "session.lifetime": "the notice mentions accounts but no sign-in cookie: write "
    "'browser-session' or a duration",
    "marketing.consent": "pledge sends marketing only to people who opted in: write 'opt-in', "
    "or remove this purpose",
    "marketing.withdraw": "write how a person stops marketing, e.g. 'Untick the box on your "
    "account page, or write to us.'",
    "category.fields": "the notice does not list what '{name}' holds: list the fields, e.g. "
    "[name, email address]",
    "category.sources": "the notice does not say where '{name}' comes from: list the sources, "
    "e.g. [checkout, email]",
    "retention.maximum": "write a duration such as '2y', or replace this line with "
    "'on_request: true' to keep the data until the person asks",
    "retention.minimum": "the notice keeps {what} for a legal duty but gives no period: write "
    "the period the law requires (or '0d')",
    "retention.conflict": "the notice gives different periods: {periods}. Split the category, "
    "or choose one",
    "schedule.after_fiscal_year_end": "write the last day of the fiscal year as 'MM-DD'",
    "schedule.grace": "the notice does not say how soon after the year end deletion happens: "
    "write a window such as '30d'",
    "sharing.third_parties": "write 'declared' if data goes to third parties (and list them as "
    "recipients), or 'none'",
    "sharing.statement": "write what the notice should say about sharing",
    "analytics.mode": "the notice does not say how visits are counted: 'aggregate-only' (pledge "
    "counts visits without cookies or stored addresses) or 'none'",
    "analytics.statement": "write what the notice should say about statistics",
    "web_logs.keep": "the notice does not mention web server logs: 'false' keeps no log line "
    "(and no IP address) at all; 'true' needs a category for them",
    "accounts.registration": "the notice mentions accounts but says the site uses no cookies, "
    "and signing in needs one",
    "passwords.statement": "pledge keeps passwords (staff's, and customers' where there are "
    "accounts) only as a one-way hash (Argon2id): say so",
    "cards.statement": "pledge never keeps card data: say how payment is taken",
    "payments.methods": "list how customers pay: any of bank-transfer, paypal, hosted-card-page",
    "payments.statement": "write how customers pay",
    "rights.how": "write how a person makes a request (email, letter, a page of the site)",
    "security.statements": "write what keeps the data safe (pledge: HTTPS, encrypted storage)",
}
_ZONES = {"GB": "Europe/London", "JP": "Asia/Tokyo", "DE": "Europe/Berlin", "FR": "Europe/Paris",
          "IE": "Europe/Dublin", "NL": "Europe/Amsterdam", "ES": "Europe/Madrid",
          "IT": "Europe/Rome"}  # fmt: skip
_ANCHOR_BY_KIND = {"account": "account-closed", "correspondence": "last-activity",
                   "orders": "order-completed", "newsletter": "consent-withdrawn"}  # fmt: skip
_PURPOSES = {
    # id: (proposed description, legal basis)
    "operation": ("Running the site securely, including our staff's administration pages.",
                  "legitimate-interests"),
    "service": ("Providing our service: your account, and answering your messages.", "contract"),
    "orders": ("Taking, fulfilling and invoicing your orders.", "contract"),
    "statistics": ("Statistics of how the site is used, only in aggregate.",
                   "legitimate-interests"),
    "marketing": ("Sending you information about our products and services.", "consent"),
    "audit": ("Keeping the records the law requires, for audit.", "legal-obligation"),
    "accounting": ("Keeping the accounting records the law requires.", "legal-obligation"),
}  # fmt: skip
_PURPOSE_WORDS = {
    "orders": re.compile(r"\border|purchas|deliver|shipping|invoic|payment"),
    "marketing": re.compile(r"\bproducts and services\b|\bmarketing\b|\bnewsletter|\bpromotion"),
    "statistics": re.compile(r"\bstatistic|\banalytic|\bstrategic|\baudit usage\b|\btrends\b"),
    "service": re.compile(r"\bservice\b|\bcontact you\b|\brespond"),
}
_PROCESSOR_SERVICES = {"payment", "delivery", "platform", "email", "spam", "host"}
_LEGAL = ("law-enforcement", "legal-obligation")


@dataclass(slots=True)
class Draft:
    """The draft's text and a tally of its values, for the summary."""

    text: str
    stated: list[str] = field(default_factory=list)  # dotted paths read from the notice
    review: list[tuple[str, str]] = field(default_factory=list)  # (path, what to decide)
    proposed: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    orphans: list[Sentence] = field(default_factory=list)  # retention tied to no category


Cites = tuple[Sentence, ...] | list[Sentence]


class _Writer:
    """Adds values to the draft's mappings, recording each one's kind under its dotted path
    (the last part of the path is the key)."""

    def __init__(self) -> None:
        self.draft = Draft("")

    def stated(
        self, to: Mapping, path: str, value: object, cites: Cites = (), note: str = ""
    ) -> None:
        self.draft.stated.append(path)
        to.add(path.rsplit(".", 1)[-1], value, cites=tuple(cites), note=note or None)

    def review(
        self, to: Mapping, path: str, why: str, value: object = None, cites: Cites = ()
    ) -> None:
        self.draft.review.append((path, why))
        to.add(path.rsplit(".", 1)[-1], value, review=why, cites=tuple(cites))

    def proposed(self, to: Mapping, path: str, value: object, why: str) -> None:
        self.draft.proposed.append((path, why))
        to.add(path.rsplit(".", 1)[-1], value, note=f"proposed: {why}")

    def fact(self, to: Mapping, path: str, fact: Fact, value: object = None, ask: str = "") -> None:
        """A stated fact, or a review item saying what the notice left open and what to do."""
        if fact.stated:
            shown = fact.value if value is None else value
            self.stated(to, path, shown, fact.evidence, fact.note)
            return
        ask = ask or ASK[path]
        if fact.status is Status.CONTRADICTORY:
            why = f"the notice contradicts itself here: {ask}"
        elif fact.note:
            why = f"{fact.note}: {ask}"
        else:
            why = f"not stated in the notice: {ask}"
        self.review(to, path, why, cites=fact.evidence)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return slug if slug[:1].isalpha() else f"policy-{slug}".strip("-")


def _text(sentences: Cites, limit: int = 3) -> str:
    """Sentences as one statement, leaving out any that only introduce a list ('used to:')."""
    chosen = [s for s in sentences if not s.text.endswith(":")] or list(sentences)
    return " ".join(s.text for s in chosen[:limit])


def write_draft(document: Document, found: Findings, source: str) -> Draft:
    w = _Writer()
    root = Mapping()
    root.add("schema_version", 1)
    name = found.controller.value if found.controller.stated else None
    stem = re.sub(r"\.[A-Za-z]+$", "", source)
    origin = "the controller's name" if name else "the file name"
    w.proposed(root, "id", _slug(name or stem) or "policy", f"an identifier, from {origin}")
    w.fact(root, "title", found.title)
    w.proposed(root, "effective", dt.date.today(), "the day this policy takes effect")
    original = f"{source}, imported by pledge policy import"
    if found.updated.stated:
        original = f"{source}, last updated {found.updated.value}"
    root.add("original", original, cites=found.updated.evidence)
    w.fact(root, "summary", found.summary)
    _controller(w, root, found)
    categories = list(found.categories) or [CategoryFinding(GENERAL, (), (), (), ())]
    purposes = _purposes(found, categories)
    _cookies(w, root, found, purposes, categories)
    _purpose_section(w, root, found, purposes)
    ids = _categories(w, root, found, categories, purposes)
    _recipients(w, root, found, ids)
    _practices(w, root, found, ids)
    draft = w.draft
    used = {s.index for rule in found.retention.rules.values() for s in rule.evidence}
    draft.orphans = [s.sentence for s in found.retention.statements if s.sentence.index not in used]
    lines = header(_preamble(document, found, source, draft))
    draft.text = "\n".join([*lines, *render(root)]) + "\n"
    return draft


def _controller(w: _Writer, root: Mapping, found: Findings) -> None:
    controller = Mapping()
    root.add("controller", controller)
    w.fact(controller, "controller.name", found.controller)
    w.fact(controller, "controller.email", found.email)
    if found.addresses:
        controller.add("own_addresses", list(found.addresses), cites=found.email.evidence)
    missing = [
        what
        for what, fact in (("no controller", found.controller), ("no contact address", found.email))
        if not fact.stated
    ]
    if missing:
        controller.add("not_stated", f"The original notice names {' and '.join(missing)}.")
    law = Mapping()
    root.add("law", law)
    w.fact(law, "law.jurisdiction", found.jurisdiction)
    w.fact(law, "law.frameworks", found.frameworks, list(found.frameworks.value or ()))
    if found.original_law.stated:
        law.add("original_reference", found.original_law.value, cites=found.original_law.evidence)
        law.add(
            "not_stated",
            f"The original notice names the {found.original_law.value}, which has since been "
            "replaced; we follow the law now in force.",
        )
    country = found.jurisdiction.value if found.jurisdiction.stated else None
    if country in _ZONES:
        w.proposed(root, "time_zone", _ZONES[country], f"the time zone of {country}")
    else:
        w.review(root, "time_zone", f"not stated in the notice: {ASK['time_zone']}")
    w.proposed(root, "sweep_hour", 3, "the local hour of the daily retention sweep")
    transport = Mapping()
    root.add("transport", transport)
    if found.transport.stated:
        w.stated(transport, "transport.https", found.transport.value, found.transport.evidence)
    else:
        w.proposed(transport, "transport.https", "required", "pledge serves every page over HTTPS")


def _purposes(found: Findings, categories: list[CategoryFinding]) -> dict[str, Item]:
    """The purposes the draft needs, each with its description (cited where the notice lists
    purposes, proposed otherwise)."""
    needed = ["operation", *(c.kind.purpose for c in categories)]
    statistics = found.statistics.value in ("aggregate", "anonymised")
    if statistics or any(c.statistics for c in categories):
        needed.append("statistics")
    marketing = found.marketing
    if marketing.value in ("opt-in", "opt-out", "sent") or marketing.status is Status.CONTRADICTORY:
        needed.append("marketing")
    for finding in categories:
        rule = found.retention.rules.get(finding.kind.key)
        if rule is not None and rule.legal:
            needed.append(_legal_purpose(rule))
    needed += [use.purpose for use in found.cookies.uses]
    items: dict[str, Item] = {}
    for purpose in dict.fromkeys(needed):
        words = _PURPOSE_WORDS.get(purpose)
        listed = [s for s in found.purposes_listed if words is not None and words.search(s.norm)]
        if listed:
            text = listed[0].text.rstrip(" .!") + "."
            items[purpose] = Item("description", text, cites=(listed[0],))
        else:
            items[purpose] = Item("description", _PURPOSES[purpose][0], note="proposed")
    return items


def _legal_purpose(rule: Rule) -> str:
    return "audit" if any("audit" in s.norm for s in rule.evidence) else "accounting"


def _purpose_section(w: _Writer, root: Mapping, found: Findings, purposes: dict[str, Item]) -> None:
    entries = []
    for purpose, description in purposes.items():
        entry = Mapping()
        entry.add("id", purpose)
        path = f"purposes.{purpose}"
        if description.note:
            w.draft.proposed.append((f"{path}.description", "a description pledge proposes"))
        else:
            w.draft.stated.append(f"{path}.description")
        entry.items.append(description)
        basis = "marketing rests on consent" if purpose == "marketing" else "proposed"
        entry.add("legal_basis", _PURPOSES[purpose][1], note=basis)
        if purpose == "marketing":
            _marketing(w, entry, found, path)
        entries.append(entry)
    note = None
    if found.marketing.value == "none":
        first = found.marketing.evidence[0]
        note = f"The notice does no marketing, so no marketing purpose is declared: {cite(first)}"
    elif found.marketing.status is Status.NOT_STATED:
        note = (
            "The notice does not mention marketing: no marketing purpose is declared, so pledge "
            "sends none. Add one if you send marketing."
        )
        w.draft.proposed.append(("purposes", "no marketing purpose: the notice names none"))
    root.add("purposes", entries, note=note)


def _marketing(w: _Writer, entry: Mapping, found: Findings, path: str) -> None:
    marketing = found.marketing
    if marketing.stated and marketing.value == "opt-in":
        w.stated(entry, f"{path}.consent", "opt-in", marketing.evidence)
    else:
        why = marketing.note or "the notice does not say how consent is asked"
        w.review(
            entry, f"{path}.consent", f"{why}: {ASK['marketing.consent']}", None, marketing.evidence
        )
    entry.add("marketing", True)
    w.fact(entry, f"{path}.withdraw", found.withdraw, ask=ASK["marketing.withdraw"])


def _cookies(
    w: _Writer,
    root: Mapping,
    found: Findings,
    purposes: dict[str, Item],
    categories: list[CategoryFinding],
) -> None:
    cookies = found.cookies
    used = cookies.used
    shares = found.sharing.verdict.stated and found.sharing.verdict.value is True
    uses = list(cookies.uses) if used.value is not False else []
    # pledge's site uses the first visitor cookie as its session cookie: a first-party
    # browser-session cookie goes first.
    uses.sort(key=lambda u: (u.third_party, u.lifetime != "browser-session"))
    entries = []
    names = {"operator"}
    for index, use in enumerate(uses):
        path = f"cookies[{index}]"
        entry = Mapping()
        name = use.name if use.name not in names else f"{use.name}-{index}"
        names.add(name)
        if use.named:
            w.stated(entry, f"{path}.name", name, use.evidence[:1])
        elif use.name == "cookie":
            w.review(entry, f"{path}.name", ASK["cookie.name"], cites=use.evidence)
        else:
            w.proposed(entry, f"{path}.name", name, "a name after its purpose")
        entry.add("purpose", use.purpose, note="proposed: after the use the notice gives it")
        if use.lifetime is None:
            w.review(entry, f"{path}.lifetime", ASK["cookie.lifetime"], cites=use.evidence)
        else:
            words = f"read as {use.lifetime} (the notice: '{use.lifetime_words}')"
            w.stated(entry, f"{path}.lifetime", str(use.lifetime), use.evidence, words)
        if use.third_party and shares:
            w.stated(entry, f"{path}.party", "third", use.evidence)
        elif use.third_party:
            w.review(entry, f"{path}.party", ASK["cookie.party"], "third", use.evidence)
        entry.add("description", _text(use.evidence, 2))
        entries.append(entry)
    registration = any(c.kind.key == "account" for c in categories)
    if registration and all(u.third_party for u in uses) and used.value is not False:
        entry = Mapping()
        w.proposed(entry, "cookies[session].name", "session", "accounts need a sign-in cookie")
        entry.add("purpose", "service")
        w.review(entry, "cookies[session].lifetime", ASK["session.lifetime"])
        entry.add("description", "Keeps you signed in to your account.", note="proposed")
        entries.insert(0, entry)
        purposes.setdefault(
            "service", Item("description", _PURPOSES["service"][0], note="proposed")
        )
    operator = Mapping()
    operator.add("name", "operator", note="pledge's own: the operator admin's sign-in cookie")
    operator.add("purpose", "operation")
    operator.add("lifetime", "browser-session")
    operator.add("audience", "operators")
    operator.add("same_site", "Strict")
    operator.add(
        "description", "Signs a member of our staff in to the site's administration pages."
    )
    entries.append(operator)
    none = used.stated and used.value is False
    note = "The notice says the site uses no cookies; visitors receive none." if none else None
    root.add("cookies", entries, note=note, cites=used.evidence if none else ())
    if used.stated:
        w.stated(root, "cookie_statement", _text(cookies.statement, 5), cookies.statement)
    else:
        w.fact(root, "cookie_statement", used)


def _categories(
    w: _Writer,
    root: Mapping,
    found: Findings,
    categories: list[CategoryFinding],
    purposes: dict[str, Item],
) -> list[str]:
    entries = []
    for finding in categories:
        kind = finding.kind
        path = f"categories.{kind.id}"
        entry = Mapping()
        entry.add("id", kind.id)
        entry.add("name", kind.name, cites=finding.evidence[:2])
        if finding.fields:
            fields = [f for f, _ in finding.fields]
            w.stated(entry, f"{path}.fields", fields, unique(s for _, s in finding.fields))
        elif kind.inherent_fields:
            why = "what such a category holds; the notice lists no fields"
            w.proposed(entry, f"{path}.fields", list(kind.inherent_fields), why)
        else:
            w.review(entry, f"{path}.fields", ASK["category.fields"].format(name=kind.name))
        entry.add("subject", kind.subject)
        if finding.sources:
            sources = [s for s, _ in finding.sources]
            w.stated(entry, f"{path}.sources", sources, unique(s for _, s in finding.sources))
        elif kind.inherent_sources:
            why = "where such data comes from by its nature"
            w.proposed(entry, f"{path}.sources", list(kind.inherent_sources), why)
        else:
            w.review(entry, f"{path}.sources", ASK["category.sources"].format(name=kind.name))
        rule = found.retention.rules.get(kind.key)
        uses = [kind.purpose]
        if finding.statistics and "statistics" in purposes:
            uses.append("statistics")
        if rule is not None and rule.legal:
            uses.append(_legal_purpose(rule))
        if "marketing" in purposes and kind.key in ("account", "newsletter"):
            uses.append("marketing")
        entry.add("purposes", list(dict.fromkeys(uses)))
        retention = _retention(w, found, kind.key, kind.name.lower(), rule, f"{path}.retention")
        entry.add("retention", retention, cites=tuple(rule.evidence) if rule else ())
        entries.append(entry)
    root.add("categories", entries)
    return [finding.kind.id for finding in categories]


def _retention(
    w: _Writer, found: Findings, key: str, what: str, rule: Rule | None, path: str
) -> Mapping:
    """One category's retention; its sentences are cited once, above 'retention'."""
    section = Mapping()
    if rule is None:
        anchor = _ANCHOR_BY_KIND.get(key, "collected")
        w.proposed(section, f"{path}.anchor", anchor, "the event the period counts from")
        why = f"the notice does not say how long we keep {what}: {ASK['retention.maximum']}"
        w.review(section, f"{path}.maximum", why)
    else:
        _rule(w, section, path, what, rule)
    fiscal = found.retention.fiscal_year_end
    scoped = found.retention.schedule_scope in ("general", key)
    if fiscal.status is not Status.NOT_STATED and scoped and not (rule and rule.on_request):
        section.add("schedule", _schedule(w, found, f"{path}.schedule"))
    if rule is not None:
        section.add("reason", _text(rule.evidence, 2))
    if any(item.review for item in section.items):
        section.add(
            "not_stated", f"The original notice does not say in full how long we keep {what}."
        )
    return section


def _rule(w: _Writer, section: Mapping, path: str, what: str, rule: Rule) -> None:
    general = " (the notice says this of all personal data)" if rule.general else ""
    note = "counted from collection" if rule.anchor == "collected" else ""
    w.stated(section, f"{path}.anchor", rule.anchor, note=note)
    if rule.minimum is not None:
        note = "a legal duty: erasure is refused before" if rule.legal else ""
        w.stated(section, f"{path}.minimum", str(rule.minimum), note=note)
    elif rule.legal and rule.maximum is None and not rule.on_request:
        w.review(section, f"{path}.minimum", ASK["retention.minimum"].format(what=what))
    if rule.conflicts:
        why = ASK["retention.conflict"].format(periods="; ".join(rule.conflicts)) + general
        w.review(section, f"{path}.maximum", why, str(rule.maximum) if rule.maximum else None)
    elif rule.maximum is not None:
        w.stated(section, f"{path}.maximum", str(rule.maximum), note=general.strip(" ()"))
    elif rule.on_request:
        w.stated(section, f"{path}.on_request", True, note=general.strip(" ()"))
    else:
        if rule.indefinite:
            said = f"the notice keeps {what} indefinitely"
        elif rule.events:
            said = f"the notice keeps {what} {rule.events[0]}"
        elif rule.legal or rule.legal_unnumbered:
            said = f"the notice keeps {what} for the periods the law requires, without a number"
        else:
            said = f"the notice gives no period for {what}"
        why = f"{said}{general}; pledge deletes on a deadline: {ASK['retention.maximum']}"
        w.review(section, f"{path}.maximum", why)
    if not rule.erasable_on_request:
        w.stated(section, f"{path}.erasable_on_request", False)


def _schedule(w: _Writer, found: Findings, path: str) -> Mapping:
    schedule = Mapping()
    fiscal = found.retention.fiscal_year_end
    if isinstance(fiscal.value, FiscalYearEnd):
        w.stated(schedule, f"{path}.after_fiscal_year_end", str(fiscal.value), fiscal.evidence)
    else:
        why = f"{fiscal.note}: {ASK['schedule.after_fiscal_year_end']}"
        w.review(schedule, f"{path}.after_fiscal_year_end", why, cites=fiscal.evidence)
    grace = found.retention.grace
    if isinstance(grace.value, Duration):
        w.stated(schedule, f"{path}.grace", str(grace.value), grace.evidence)
    else:
        w.review(schedule, f"{path}.grace", ASK["schedule.grace"])
    return schedule


def _recipients(w: _Writer, root: Mapping, found: Findings, ids: list[str]) -> None:
    sharing = found.sharing
    verdict = sharing.verdict
    entries = []
    seen: set[str] = set()
    for recipient in sharing.recipients if verdict.value is True else ():
        rid = _slug(recipient.name)
        if rid in seen:
            continue
        seen.add(rid)
        processor = recipient.kind in PROCESSOR_KINDS | _PROCESSOR_SERVICES
        entry = Mapping()
        entry.add("id", rid)
        entry.add("name", recipient.name)
        note = "processor: acts on our instructions" if processor else ""
        kind = "processor" if processor else "other"
        w.stated(entry, f"recipients.{rid}.kind", kind, (recipient.sentence,), note)
        entry.add("condition", recipient.sentence.text)
        entries.append(entry)
    legal = unique(e.sentence for e in sharing.exceptions if e.kind in _LEGAL)
    if legal:
        entry = Mapping()
        entry.add("id", "law-enforcement")
        entry.add("name", "Law enforcement and courts")
        w.stated(entry, "recipients.law-enforcement.kind", "law-enforcement", legal[:2])
        entry.add("categories", ids)
        entry.add("condition", legal[0].text)
        entries.append(entry)
    notes = []
    other = [e for e in sharing.exceptions if e.kind not in _LEGAL]
    if other:
        listed = "; ".join(f"{e.kind} ({cite(e.sentence)})" for e in other[:3])
        notes.append(f"Exceptions the notice makes, not declared as recipients: {listed}")
    if not legal:
        notes.append(
            "The notice does not mention disclosures the law compels; pledge records each one in "
            "its disclosure register once you declare a 'law-enforcement' recipient."
        )
    root.add("recipients", entries, note=" ".join(notes) or None)
    section = Mapping()
    root.add("sharing", section)
    if verdict.stated:
        value = "declared" if verdict.value else "none"
        w.stated(section, "sharing.third_parties", value, verdict.evidence[:3], verdict.note)
        evidence = verdict.evidence if verdict.value else sharing.negative
        section.add("statement", _text(evidence))
    else:
        w.fact(section, "sharing.third_parties", verdict)
        w.review(section, "sharing.statement", ASK["sharing.statement"])


def _practices(w: _Writer, root: Mapping, found: Findings, ids: list[str]) -> None:
    analytics = Mapping()
    root.add("analytics", analytics)
    stats = found.statistics
    if stats.stated:
        mode = "none" if stats.value == "none" else "aggregate-only"
        w.stated(analytics, "analytics.mode", mode, stats.evidence)
        analytics.add("statement", _text(stats.evidence, 2))
    else:
        w.review(analytics, "analytics.mode", ASK["analytics.mode"])
        w.review(analytics, "analytics.statement", ASK["analytics.statement"])
    logs = Mapping()
    root.add("web_logs", logs)
    logs_found = next((c for c in found.categories if c.kind.key == "logs"), None)
    if logs_found is not None and "user.device.web_logs" in ids:
        w.stated(logs, "web_logs.keep", True, logs_found.evidence[:1])
        logs.add("category", "user.device.web_logs")
    else:
        w.review(logs, "web_logs.keep", ASK["web_logs.keep"])
    accounts = Mapping()
    root.add("accounts", accounts)
    account = next((c for c in found.categories if c.kind.key == "account"), None)
    if account is not None and found.cookies.used.value is False:
        cites = (*account.evidence[:1], *found.cookies.used.evidence[:1])
        w.review(accounts, "accounts.registration", ASK["accounts.registration"], True, cites)
    elif account is not None:
        w.stated(accounts, "accounts.registration", True, account.evidence[:1])
    else:
        w.proposed(accounts, "accounts.registration", False, "the notice mentions no accounts")
    form = [s for c in found.categories for _, s in c.sources if "contact form" in s.norm]
    if form:
        w.stated(accounts, "accounts.contact_form", True, form[:1])
    _security(w, root, found)


def _security(w: _Writer, root: Mapping, found: Findings) -> None:
    passwords = Mapping()
    root.add("passwords", passwords)
    passwords.add("hasher", "argon2id", note="pledge's own: a slow one-way hash")
    first = found.passwords.evidence[0].text if found.passwords.stated else None
    w.fact(passwords, "passwords.statement", found.passwords, first)
    if any(re.search(r"\b512", s.norm) for s in found.passwords.evidence):
        passwords.items[-1].note = (
            "The notice names 512-bit one-way hashing: if you import accounts from the old "
            "system, add 'legacy: [sha512-unsalted]' so their digests are upgraded at sign-in."
        )
    cards = Mapping()
    root.add("cards", cards)
    cards.add("store", False, note="pledge's own: card data is never stored")
    if found.cards.stated and found.cards.value == "stored":
        why = f"the notice says card data is kept: {ASK['cards.statement']}"
        w.review(cards, "cards.statement", why, cites=found.cards.evidence)
    else:
        first = found.cards.evidence[0].text if found.cards.stated else None
        w.fact(cards, "cards.statement", found.cards, first)
    payments = Mapping()
    root.add("payments", payments)
    w.fact(payments, "payments.methods", found.payments, list(found.payments.value or ()))
    if found.payments.stated:
        payments.add("statement", _text(found.payments.evidence, 2))
    else:
        w.review(payments, "payments.statement", ASK["payments.statement"])
        payments.add("not_stated", "The original notice does not say how payments are taken.")
    rights = Mapping()
    root.add("rights", rights)
    w.fact(rights, "rights.how", found.rights)
    if found.in_writing.stated:
        w.stated(rights, "rights.in_writing_only", True, found.in_writing.evidence)
    security = Mapping()
    root.add("security", security)
    w.fact(security, "security.statements", found.security, list(found.security.value or ()))


def _preamble(document: Document, found: Findings, source: str, draft: Draft) -> list[str]:
    today = dt.date.today().isoformat()
    lines = [
        f"Draft policy imported from {source} by `pledge policy import` on {today} "
        f"({document.words} words, {len(document.sentences)} sentences read).",
        "",
        "Each value the notice states cites its sentence: [start-end] are character offsets "
        f"in {source}, then the sentence as read. Each value tagged !review is a point the "
        "notice leaves open or contradicts: put your decision in place of the tag and its "
        "value (the comment above it says what to decide), then run `pledge policy check` on "
        "this file. Values marked 'proposed' are pledge's own settings where the notice says "
        "nothing; change any that do not fit.",
        "",
        f"Read from the notice: {len(draft.stated)} values. For review: {len(draft.review)}. "
        f"Proposed: {len(draft.proposed)}. Contradictions: {len(found.contradictions)}.",
    ]
    for contradiction in found.contradictions:
        lines += ["", f"CONTRADICTION ({contradiction.topic}): {contradiction.message}."]
        lines += [cite(s) for s in contradiction.evidence]
    if draft.orphans:
        lines += ["", "Retention statements not tied to one category (see the categories below):"]
        lines += [cite(s) for s in draft.orphans]
    lines += [f"Reading: {note}." for note in document.notes]
    return lines
