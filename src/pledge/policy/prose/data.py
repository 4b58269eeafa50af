"""What is collected, from where: data categories with their fields and sources.

A notice rarely lists categories; it speaks of registration, emails, server logs, orders. Each
kind of category pledge knows has the words that reveal it, and a category is drafted where the
notice speaks of it (not where it says it has none: "No analytics"). Fields (name, IP address)
and sources (registration form, email) are read from the sentences about the category, its
section, and the lists those sentences introduce. A source is only given to a category it can
feed: an email is a source of correspondence, not of web server logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pledge.policy.prose.facts import DEFINES_DATA, about_cookies, unique
from pledge.policy.prose.text import Document, Sentence


@dataclass(frozen=True, slots=True)
class Kind:
    key: str
    id: str
    name: str
    subject: str
    purpose: str
    trigger: re.Pattern[str]
    sources: frozenset[str]  # the sources that can feed it
    inherent_fields: tuple[str, ...] = ()  # what such a category holds by its nature
    inherent_sources: tuple[str, ...] = ()


def _kind(
    key: str,
    id: str,
    name: str,
    subject: str,
    purpose: str,
    trigger: str,
    sources: str,
    fields: tuple[str, ...] = (),
    own: tuple[str, ...] = (),
) -> Kind:
    return Kind(
        key,
        id,
        name,
        subject,
        purpose,
        re.compile(trigger),
        frozenset(sources.split(",")),
        fields,
        own,
    )


KINDS: tuple[Kind, ...] = (
    _kind("account", "user.account", "Your account", "customer", "service",
          r"\b(?:registration|register(?:ed|ing|s)?|(?:create|creating|open|opening) an account|"
          r"your account|user (?:account|profile)s?|account information|log ?in|logged in|"
          r"sign(?:ed|ing)? in|sign(?:ing)? up for an account|username)\b",
          "registration form,account page,checkout,newsletter sign-up"),
    _kind("correspondence", "user.correspondence", "Your emails and enquiries",
          "correspondent", "service",
          r"\b(?:email (?:us|correspondence|communications?|systems?)|"
          r"emails? (?:you send|from you)|contact (?:form|requests?)|"
          r"(?:you|visitors who|anyone who) (?:contact|email|write to) us|correspondence|"
          r"enquir(?:y|ies)|inquir(?:y|ies)|requests? by (?:email|telephone|phone|fax)|"
          r"every time you email|contact us by)\b",
          "email you send us,contact form,telephone",
          ("your messages and our replies", "your email address")),
    _kind("logs", "user.device.web_logs", "Web server logs", "visitor", "operation",
          r"\b(?:(?:web )?server logs?|log ?files?|access logs?|logs|log data)\b",
          "the web server,your visits to the site", (), ("the web server, for each page visited",)),
    _kind("orders", "user.behavior.purchase_history", "Your orders and payments", "customer",
          "orders",
          r"\b(?:(?:your|an|the|each|any|online|place an|placing|placed|process(?:ing)?(?: any)?) "
          r"orders?|orders? (?:you|placed|information|data|history|details|processing|identifier|"
          r"are|is|will|may)|"
          r"order-related|ordering|purchases?|purchasing|transactions?|checkout|shipping|shipped|"
          r"shipments?|invoic\w*|billing|payments?)\b",
          "checkout,email you send us,telephone,PayPal,bank transfer records,third parties,"
          "our clients"),
    _kind("browsing", "user.behavior.browsing", "Visit statistics", "visitor", "statistics",
          r"\b(?:browsing patterns?|google analytics|(?:web )?analytics (?:tools?|cookies?|"
          r"services?|software)|about your visit|how (?:you|visitors|users|our "
          r"customers) (?:use|interact|browse|engage)|usage of (?:the|our) (?:site|website)|"
          r"device information|traffic patterns|site use|track users)\b",
          "your visits to the site,cookies", (), ("your visits to the site",)),
    _kind("comments", "user.content.comments", "Your comments", "visitor", "service",
          r"\b(?:leave|leaves|left|post|posted|submit) (?:a )?comments?\b|\bcomments? form\b|"
          r"\bvisitor comments\b",
          "comment form", ("your comments",)),
    _kind("newsletter", "user.contact.newsletter", "Our mailing list", "customer", "marketing",
          r"\b(?:newsletters?|e?mail(?:ing)? list|subscribers?|subscribe)\b",
          "newsletter sign-up,checkout,registration form"),
)  # fmt: skip
GENERAL = Kind(
    "general", "user.data", "Personal data", "customer", "service", re.compile(r"(?!)"), frozenset()
)

_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", r"\b(?:your |full |first |last |payer |customer )?names?\b(?! of)(?! and physical)"),
    ("email address", r"\bemail address(?:es)?\b|\bconfirmed email\b"),
    ("postal address", r"\b(?:postal|physical|mailing|billing|shipping|delivery|home|payment) "
     r"address(?:es)?\b|\byour address\b|\baddresses associated\b"),
    ("telephone number", r"\b(?:tele)?phone(?: numbers?)?\b"),
    ("IP address", r"\bip address(?:es)?\b|\bclient ip\b"),
    ("browser string", r"\bbrowser(?: string| type| version|s)?\b|\buser agents?\b"),
    ("referrer", r"\breferr?(?:er|ing)\b"),
    ("time of access", r"\btime ?stamps?\b|\btime of (?:access|the server inquiry)\b|"
     r"\bdate and time\b|\bdate/time\b|\btime the site was accessed\b"),
    ("pages visited", r"\bpages? (?:visited|viewed|you view)\b|\brequested url\b|\bweb page "
     r"access\b|\beach page visited\b|\bweb pages or products that you view\b"),
    ("operating system", r"\boperating system\b"),
    ("internet service provider", r"\binternet service provider\b|\bisp\b"),
    ("clicks", r"\bclicks?\b"),
    ("payment details", r"\bpayment (?:details|information)\b|\bbank details\b"),
    ("card details", r"\bcredit cards?\b|\bcard (?:details|information|numbers?)\b"),
    ("company name", r"\b(?:company|organi[sz]ation)(?: / company)? name\b"),
    ("VAT number", r"\bvat number\b"),
    ("username", r"\busername\b"),
    ("password", r"\bpasswords?\b"),
    ("items ordered", r"\bwhich items we shipped\b|\bproducts (?:you )?(?:purchase|ordered)\b|"
     r"\bitems (?:you )?(?:ordered|purchased)\b|\border (?:identifier|details)\b"),
    ("messages", r"\b(?:messages?|your request)\b"),
    ("location data", r"\blocation data\b|\bgps\b"),
    ("date of birth", r"\bdate of birth\b|\bbirth ?date\b|\bbirthday\b"),
    ("photographs", r"\bphotos?\b|\bphotographs?\b|\bimages you upload\b"),
)  # fmt: skip
_FIELD_PATTERNS = [(name, re.compile(p)) for name, p in _FIELDS]

_SOURCES: tuple[tuple[str, str], ...] = (
    ("registration form", r"\bregistration forms?\b|\bwhen you register\b|\bregistering\b"),
    ("account page", r"\baccount (?:page|settings)\b|\bupdat\w+ your (?:details|account|profile)\b"
     r"|\bedit profile\b"),
    ("email you send us", r"\bemail (?:us|correspondence)\b|\bemails? you send\b|\bvia email\b|"
     r"\bby email\b|\bhandled via email\b"),
    ("contact form", r"\bcontact forms?\b"),
    ("telephone", r"\bby (?:tele)?phone\b|\b(?:tele)?phone calls?\b"),
    ("checkout", r"\bcheckout\b|\b(?:place|placing|make|making) (?:an? )?(?:order|purchase)\b|"
     r"\bwhen (?:you )?order\b|\border(?:ing)? process\b"),
    ("comment form", r"\bcomments? form\b|\bleave (?:a )?comments?\b"),
    ("your visits to the site", r"\bautomatically\b|\bwhen you (?:visit|browse)\b|\beach page "
     r"visited\b|\bas you browse\b"),
    ("the web server", r"\bweb server\b|\bserver logs?\b"),
    ("cookies", r"\bcookies?\b"),
    ("PayPal", r"\bpaypal\b"),
    ("bank transfer records", r"\bbank (?:transfers?|statements?)\b"),
    ("third parties", r"\bfrom (?:third parties|other sources|our delivery carriers|credit "
     r"(?:bureaus|reference agencies))\b"),
    ("our clients", r"\b(?:our )?clients? (?:collect|pass|send)\b|\bon (?:their|our clients') "
     r"behalf\b"),
    ("newsletter sign-up", r"\bsubscribe\b|\bsign up\b"),
)  # fmt: skip
_SOURCE_PATTERNS = [(name, re.compile(p)) for name, p in _SOURCES]
_NEGATED_BEFORE = re.compile(r"\b(?:no|not|never|without|nor|neither)\b[^.,;]{0,25}$")
_COLLECTS = re.compile(
    r"\b(?:collect\w*|record\w*|stor(?:e|ed|es|ing)|kept|keep|retain\w*|process\w*|receiv\w*|"
    r"gather\w*|obtain\w*|enter\w*|suppl\w*|provid\w*|submit\w*|ask\w* (?:you )?for|includ\w*|"
    r"held|hold)\b"
)
_COLLECTION_LEAD = re.compile(
    r"\b(?:collect\w*|we (?:may )?(?:record|store|keep|hold|receive|ask (?:you )?for)|"
    r"information (?:we|you) (?:may )?(?:collect|provide|supply|give))\b"
)
_PURPOSE_LEAD = re.compile(r"\b(?:purposes?|we use (?:your|the|this) (?:personal )?information)\b")


@dataclass(frozen=True, slots=True)
class CategoryFinding:
    kind: Kind
    evidence: tuple[Sentence, ...]  # the sentences that speak of it
    fields: tuple[tuple[str, Sentence], ...]  # each field with the sentence naming it
    sources: tuple[tuple[str, Sentence], ...]
    statistics: tuple[Sentence, ...]  # sentences using it for statistics


def _negated(norm: str, at: int) -> bool:
    return bool(_NEGATED_BEFORE.search(norm[:at]))


def _speaks_of(kind: Kind, sentence: Sentence) -> bool:
    return any(not _negated(sentence.norm, m.start()) for m in kind.trigger.finditer(sentence.norm))


def _introduced(sentences: tuple[Sentence, ...], lead: Sentence) -> list[Sentence]:
    """The list items that follow a sentence ending with a colon."""
    if not lead.text.endswith(":"):
        return []
    items = []
    for sentence in sentences[lead.index + 1 :]:
        if sentence.kind != "item":
            break
        items.append(sentence)
    return items


def read_categories(document: Document) -> tuple[list[CategoryFinding], tuple[Sentence, ...]]:
    """The categories the notice speaks of, and the sentences listing purposes."""
    sentences = document.sentences
    content = [
        s
        for i, s in enumerate(sentences)
        if s.kind != "heading"
        and not about_cookies(s, sentences[i - 1] if i else None)
        and not DEFINES_DATA.search(s.norm)
    ]
    findings = []
    claimed: set[int] = set()  # sentences whose fields went to some category
    for kind in KINDS:
        own = [s for s in content if _speaks_of(kind, s)]
        if not own:
            continue
        section = {s.heading for s in own if s.heading and kind.trigger.search(s.heading)}
        related = own + [s for s in content if s.heading in section and s not in own]
        for lead in list(related):
            related += _introduced(sentences, lead)
        related_t = unique(related)
        claimed.update(s.index for s in related_t)
        findings.append(_finding(kind, unique(own), related_t))
    # Lists of what is collected that name no category ("The information we may collect from
    # you is: ...") go to the categories of the same section, or to a general one.
    for lead in content:
        if lead.index in claimed or not _COLLECTION_LEAD.search(lead.norm):
            continue
        if _PURPOSE_LEAD.search(lead.norm):
            continue  # "collected ... for the purposes of:" lists purposes, not data
        items = _introduced(sentences, lead)
        if not items:
            continue
        group = (lead, *items)
        targets = [
            f
            for f in findings
            if f.kind.subject != "visitor" and any(s.heading == lead.heading for s in f.evidence)
        ]
        if not targets:
            findings.append(_finding(GENERAL, group, group))
            continue
        for target in targets:
            index = findings.index(target)
            merged = unique((*target.evidence, *group))
            findings[index] = _finding(target.kind, merged, unique((*merged, *items)))
    if not findings:
        # The notice names no kind of data pledge knows: one general category, so that its
        # retention statements ("data is deleted after a week") still have a place.
        findings.append(_finding(GENERAL, (), ()))
    purposes = tuple(
        item
        for lead in content
        if _PURPOSE_LEAD.search(lead.norm)
        for item in _introduced(sentences, lead)
    )
    return findings, purposes


def _finding(
    kind: Kind, own: tuple[Sentence, ...], related: tuple[Sentence, ...]
) -> CategoryFinding:
    fields: dict[str, Sentence] = {}
    sources: dict[str, Sentence] = {}
    for sentence in related:
        if (sentence.kind != "heading" and _COLLECTS.search(sentence.norm)) or sentence.kind in (
            "item",
            "row",
        ):
            for name, pattern in _FIELD_PATTERNS:
                match = pattern.search(sentence.norm)
                if match and name not in fields and not _negated(sentence.norm, match.start()):
                    fields[name] = sentence
        for name, pattern in _SOURCE_PATTERNS:
            if kind.sources and name not in kind.sources:
                continue
            if pattern.search(sentence.norm):
                sources.setdefault(name, sentence)
    statistics = tuple(s for s in related if re.search(r"\bstatistic", s.norm))
    return CategoryFinding(kind, own, tuple(fields.items()), tuple(sources.items()), statistics)
