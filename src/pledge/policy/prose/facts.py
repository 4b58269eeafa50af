"""What an import finds: facts with the sentences that state them, and the words it knows.

A fact is *stated* (with the sentences it rests on), *not stated* (the notice is silent, so the
operator chooses), *contradictory* (the notice says both; every side is cited) or *unclear*
(the notice touches the point without settling it). Nothing is ever filled in silently: a value
with no sentence behind it is either marked for review or labelled as pledge's proposal.

The vocabulary below is general privacy-notice English (how notices say "five years", which
well-known services receive data, what a negation looks like), not phrases of any one notice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pledge.policy.calendar import Duration
from pledge.policy.prose.text import Sentence


class Status(StrEnum):
    STATED = "stated"
    NOT_STATED = "not stated"
    CONTRADICTORY = "contradictory"
    UNCLEAR = "unclear"


@dataclass(frozen=True, slots=True)
class Fact:
    """One point of the notice: its status, the value read, and the sentences it rests on."""

    status: Status
    value: Any = None
    evidence: tuple[Sentence, ...] = ()
    note: str = ""

    @property
    def stated(self) -> bool:
        return self.status is Status.STATED

    @classmethod
    def of(cls, value: Any, evidence: Iterable[Sentence], note: str = "") -> Fact:
        return cls(Status.STATED, value, _unique(evidence), note)

    @classmethod
    def silent(cls, note: str = "") -> Fact:
        return cls(Status.NOT_STATED, None, (), note)


NOT_STATED = Fact.silent()


@dataclass(frozen=True, slots=True)
class Contradiction:
    topic: str
    message: str
    evidence: tuple[Sentence, ...]


def _unique(sentences: Iterable[Sentence]) -> tuple[Sentence, ...]:
    seen: dict[int, Sentence] = {}
    for sentence in sentences:
        seen.setdefault(sentence.index, sentence)
    return tuple(sorted(seen.values(), key=lambda s: s.index))


def unique(sentences: Iterable[Sentence]) -> tuple[Sentence, ...]:
    return _unique(sentences)


# --- durations --------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20,
    "twenty-four": 24, "thirty": 30, "forty-eight": 48, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUMBER = r"\d{1,4}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
DURATION = re.compile(
    rf"\b(?P<n>{_NUMBER})(?:\s*\((?:\d+)\))?[\s-]+(?:calendar\s+|full\s+|further\s+)?"
    r"(?P<unit>years?|months?|weeks?|days?|hours?|minutes?|fortnights?)\b(?!\s*(?:old|of age))"
)
_FREQUENCY = re.compile(r"\b(?:once|twice|times|per|every|each)\s*$")


@dataclass(frozen=True, slots=True)
class Period:
    """A length of time as written: '6 months' reads as Duration(months=6)."""

    words: str
    duration: Duration | None  # None where pledge's units cannot say it (minutes)
    start: int  # offset in the normalised sentence
    end: int


def periods(norm: str) -> list[Period]:
    """Every length of time in a normalised sentence, leaving out ages and frequencies."""
    found = []
    for match in DURATION.finditer(norm):
        if _FREQUENCY.search(norm[: match.start()]):
            continue
        raw = match["n"]
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        if n == 0:
            continue
        unit = match["unit"].rstrip("s")
        duration = {
            "year": Duration(years=n),
            "month": Duration(months=n),
            "week": Duration(days=7 * n),
            "fortnight": Duration(days=14 * n),
            "day": Duration(days=n),
            "hour": Duration(hours=n),
        }.get(unit)
        found.append(Period(match.group(0), duration, match.start(), match.end()))
    return found


def minutes_as_hours(period: Period) -> Duration:
    """The shortest pledge duration that is not shorter than a period given in minutes."""
    n = int(re.match(r"\d+", period.words)[0]) if period.words[0].isdigit() else 1  # type: ignore[index]
    return Duration(hours=max(1, math.ceil(n / 60)))


# --- words that recur across fields -------------------------------------------------------------

NEGATION = re.compile(r"\b(?:not|never|no|neither|nor|none|without|cannot)\b|n't\b")
"""A negation anywhere before a verb in the same sentence, as notices write them."""

CONDITION = re.compile(
    r"\b(?:unless|except|other than|outside of|without (?:your|their|the user's) "
    r"(?:prior |express |explicit )?(?:consent|permission|agreement)|beyond|save for|apart from|"
    r"besides|excluding)\b"
)
"""A qualifier that turns 'never' into 'never, except ...'."""

RIGHTS = re.compile(
    r"\b(?:you have the right|right to (?:object|demand|request|access|erasure|data portability|"
    r"receive|log a complaint|restrict)|you (?:can|may) (?:request|demand|ask)|you also have the "
    r"right)\b"
)
"""A sentence explaining a data subject's rights describes the law, not the site's practice."""

QUESTION = re.compile(r"\?\s*$")

# Well-known services a small site uses. Each receives data from the visitor's browser or from
# the operator; a notice naming one is naming a recipient, whatever else it says.
SERVICES: dict[str, tuple[str, str]] = {
    # pattern (normalised text): (name, kind)
    r"google analytics": ("Google Analytics", "analytics"),
    r"google tag manager": ("Google Tag Manager", "analytics"),
    r"(?:google )?adsense": ("Google AdSense", "advertising"),
    r"doubleclick": ("Google DoubleClick", "advertising"),
    r"google ads|adwords": ("Google Ads", "advertising"),
    r"youtube": ("YouTube", "embed"),
    r"vimeo": ("Vimeo", "embed"),
    r"facebook|meta pixel": ("Facebook", "social"),
    r"instagram": ("Instagram", "social"),
    r"twitter": ("Twitter", "social"),
    r"linkedin": ("LinkedIn", "social"),
    r"pinterest": ("Pinterest", "social"),
    r"addthis|add this share": ("AddThis", "social"),
    r"sharethis": ("ShareThis", "social"),
    r"disqus": ("Disqus", "social"),
    r"gravatar": ("Gravatar", "social"),
    r"wordpress(?:\.com)? stats|jetpack": ("WordPress Stats", "analytics"),
    r"automattic": ("Automattic", "analytics"),
    r"quantcast": ("Quantcast", "analytics"),
    r"hotjar": ("Hotjar", "analytics"),
    r"mixpanel": ("Mixpanel", "analytics"),
    r"statcounter": ("StatCounter", "analytics"),
    r"bing": ("Microsoft Bing", "advertising"),
    r"criteo": ("Criteo", "advertising"),
    r"taboola": ("Taboola", "advertising"),
    r"outbrain": ("Outbrain", "advertising"),
    r"amazon(?:\.\w+)? (?:associates|partner|affiliate)|amazon": ("Amazon", "advertising"),
    r"paypal": ("PayPal", "payment"),
    r"stripe": ("Stripe", "payment"),
    r"worldpay": ("Worldpay", "payment"),
    r"sage ?pay|opayo": ("Opayo", "payment"),
    r"braintree": ("Braintree", "payment"),
    r"klarna": ("Klarna", "payment"),
    r"square(?:up)? payments?": ("Square", "payment"),
    r"shopify": ("Shopify", "platform"),
    r"squarespace": ("Squarespace", "platform"),
    r"wix(?:\.com)?": ("Wix", "platform"),
    r"mailchimp": ("Mailchimp", "email"),
    r"sendgrid": ("SendGrid", "email"),
    r"mailgun": ("Mailgun", "email"),
    r"akismet": ("Akismet", "spam"),
    r"cloudflare": ("Cloudflare", "host"),
    r"royal mail": ("Royal Mail", "delivery"),
    r"parcelforce": ("Parcelforce", "delivery"),
    r"fedex": ("FedEx", "delivery"),
    r"usps": ("USPS", "delivery"),
    r"hermes|evri": ("Evri", "delivery"),
    r"yodel": ("Yodel", "delivery"),
}
SERVICE = re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in SERVICES) + r")\b")
"""Any well-known service, in normalised text."""
_SERVICE_PARTS = [(re.compile(rf"\b(?:{p})\b"), value) for p, value in SERVICES.items()]
# Short carrier names are ordinary words in lower case ('ups'), so they count only in capitals.
_CARRIER_CAPITALS = re.compile(r"\b(DHL|UPS|DPD|TNT|GLS)\b")
_LOCAL = re.compile(r"locally (?:installed|hosted)|self-hosted|not (?:be )?established")


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    kind: str


def services(sentence: Sentence) -> list[Service]:
    """Well-known services the sentence names (not those it says it does not contact)."""
    found: dict[str, Service] = {}
    if SERVICE.search(sentence.norm) and not _LOCAL.search(sentence.norm):
        for pattern, (name, kind) in _SERVICE_PARTS:
            if pattern.search(sentence.norm):
                found.setdefault(name, Service(name, kind))
    for match in _CARRIER_CAPITALS.finditer(sentence.text):
        found.setdefault(match[1], Service(match[1], "delivery"))
    return list(found.values())


def about_cookies(sentence: Sentence, previous: Sentence | None) -> bool:
    """Whether a sentence speaks of cookies: it names them, or continues a cookie sentence
    ('It expires after 1 day.') under a cookie heading, or is a row of a cookie table."""
    if "cookie" in sentence.norm:
        return True
    in_cookie_section = "cookie" in sentence.heading
    if sentence.kind == "row":
        return in_cookie_section or any("cookie" in h for h in sentence.header)
    anaphora = re.match(r"(?:it|this|these|they|those|each)\b", sentence.norm)
    return bool(
        in_cookie_section
        and anaphora
        and previous is not None
        and previous.block == sentence.block
        and "cookie" in previous.norm
    )


@dataclass(slots=True)
class Findings:
    """Everything one import found, field by field. Filled by the extractors in turn."""

    title: Fact = NOT_STATED
    summary: Fact = NOT_STATED
    updated: Fact = NOT_STATED
    controller: Fact = NOT_STATED
    email: Fact = NOT_STATED
    addresses: tuple[str, ...] = ()
    website: Fact = NOT_STATED
    jurisdiction: Fact = NOT_STATED
    frameworks: Fact = NOT_STATED
    original_law: Fact = NOT_STATED
    categories: tuple[Any, ...] = ()  # data.CategoryFinding
    purposes_listed: tuple[Sentence, ...] = ()
    cookies: Any = None  # cookies.CookieFindings
    retention: Any = None  # retention.RetentionFindings
    sharing: Any = None  # sharing.SharingFindings
    passwords: Fact = NOT_STATED
    cards: Fact = NOT_STATED
    payments: Fact = NOT_STATED
    transport: Fact = NOT_STATED
    security: Fact = NOT_STATED
    marketing: Fact = NOT_STATED
    withdraw: Fact = NOT_STATED
    statistics: Fact = NOT_STATED
    rights: Fact = NOT_STATED
    in_writing: Fact = NOT_STATED
    contradictions: list[Contradiction] = field(default_factory=list)
