"""What an import finds: facts with the sentences that state them, and the words it knows.

A fact is *stated* (with the sentences it rests on), *not stated* (the notice is silent, so the
operator chooses), *contradictory* (the notice says both; every side is cited) or *unclear*
(the notice touches the point without settling it). Nothing is ever filled in silently: a value
with no sentence behind it is either marked for review or labelled as pledge's proposal.

The vocabulary below is general privacy-notice English (how notices say "five years", which
well-known services receive data, what a negation looks like), not phrases of any one notice.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
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
        return cls(Status.STATED, value, unique(evidence), note)

    @classmethod
    def silent(cls, note: str = "") -> Fact:
        return cls(Status.NOT_STATED, None, (), note)


NOT_STATED = Fact.silent()


@dataclass(frozen=True, slots=True)
class Contradiction:
    topic: str
    message: str
    evidence: tuple[Sentence, ...]


def unique(sentences: Iterable[Sentence]) -> tuple[Sentence, ...]:
    """Sentences without repeats, in the notice's order."""
    seen: dict[int, Sentence] = {}
    for sentence in sentences:
        seen.setdefault(sentence.index, sentence)
    return tuple(sorted(seen.values(), key=lambda s: s.index))


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
    duration: Duration
    start: int  # offset in the normalised sentence
    end: int


_UNITS = re.compile(r"year|month|week|day|hour|minute|fortnight")


def periods(norm: str) -> list[Period]:
    """Every length of time in a normalised sentence, leaving out ages and frequencies."""
    found: list[Period] = []
    if not _UNITS.search(norm):
        return found
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
            "minute": Duration(seconds=60 * n),
        }[unit]
        found.append(Period(match.group(0), duration, match.start(), match.end()))
    return found


# --- words that recur across fields -------------------------------------------------------------

NEGATION = re.compile(r"\b(?:not|never|no|neither|nor|none|without|cannot)\b|n't\b")
"""A negation anywhere before a verb in the same sentence, as notices write them."""

CONDITION = re.compile(
    r"\b(?:unless|except|other than|outside of|without (?:your|their|the user's) "
    r"(?:prior |express |explicit )?(?:consent|permission|agreement)|beyond|save for|apart from|"
    r"besides|excluding)\b"
)
"""A qualifier that turns 'never' into 'never, except ...'."""

_RIGHTS = re.compile(
    r"\b(?:you have the right|right to (?:object|demand|request|access|erasure|data portability|"
    r"receive|log a complaint|restrict)|you also have the right)\b"
)


@functools.lru_cache(maxsize=4096)
def _explains_rights(norm: str) -> bool:
    return bool(("right" in norm or "you " in norm) and _RIGHTS.search(norm))


def clear_caches() -> None:
    """Forget what earlier imports computed: each import (and each timing) starts cold."""
    _explains_rights.cache_clear()
    _services.cache_clear()


def explains_rights(sentence: Sentence) -> bool:
    """Whether the sentence explains a data subject's rights: it describes the law, not what
    the site does ("you have the right to demand that we hand over your data")."""
    return _explains_rights(sentence.norm)


QUESTION = re.compile(r"\?\s*$")

DEFINES_DATA = re.compile(
    r"\bexamples? of (?:such |personal )?(?:data|information)\b|\b(?:personal )?data (?:refers to|"
    r"means|comprises)\b|\bthe term .?personal data\b|\bas defined (?:in|by) the\b"
)
"""A definition of personal data lists kinds of data ('cookies, IP addresses, names'); it says
nothing about what this site collects."""

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


def services(sentence: Sentence) -> tuple[Service, ...]:
    """Well-known services the sentence names (not those it says it does not contact)."""
    return _services(sentence.norm, sentence.text)


@functools.lru_cache(maxsize=4096)
def _services(norm: str, text: str) -> tuple[Service, ...]:
    found: dict[str, Service] = {}
    if SERVICE.search(norm) and not _LOCAL.search(norm):
        for pattern, (name, kind) in _SERVICE_PARTS:
            if pattern.search(norm):
                found.setdefault(name, Service(name, kind))
    for match in _CARRIER_CAPITALS.finditer(text):
        found.setdefault(match[1], Service(match[1], "delivery"))
    return tuple(found.values())


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
