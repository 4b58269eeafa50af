"""Third-party sharing: whether data leaves the business, to whom, and the exceptions.

Explicit statements decide: "we pass on your data to our carriers" shares, "we will not pass
your information to any third parties" does not. A promise not to *sell* says nothing about
sharing. Disclosures the law compels (police, courts, subpoenas) and a sale of the business are
exceptions, not sharing. "Never, except to the company delivering your order" shares with a
processor.

Named services (Google Analytics, PayPal) receive data even when no sentence says "share":
with no explicit statement they decide; against an explicit "no third parties" they are
reported as a contradiction, as is an explicit statement both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pledge.policy.prose.facts import (
    CONDITION,
    NEGATION,
    SERVICE,
    Contradiction,
    Fact,
    Status,
    explains_rights,
    services,
    unique,
)
from pledge.policy.prose.text import Document, Sentence

if TYPE_CHECKING:
    from pledge.policy.prose.findings import Findings

_VERB = re.compile(
    r"\b(?:shar(?:e|es|ed|ing)|pass(?:es|ed|ing)?(?: on)?|disclos(?:e|es|ed|ing)|"
    r"releas(?:e|es|ed|ing)|(?<!bank )(?<!wire )transferr?(?:ed|ing|s)?|provid(?:e|es|ed|ing)|"
    r"giv(?:e|es|ing)|given to|"
    r"hand(?:s|ed|ing)?(?: over| on)?|sell|sells|sold|selling|rent(?:s|ed)?|trad(?:e|es|ed|ing)|"
    r"distribut(?:e|es|ed|ing)|suppl(?:y|ies|ied)|communicat(?:e|es|ed|ing)|"
    r"(?:make|made) available|send(?:s|ing)?|sent|exchang(?:e|ed)|leaves?)\b"
)
_SALE_ONLY = {"sell", "sells", "sold", "selling", "rent", "rents", "rented", "trade", "trades",
              "traded", "trading", "exchange", "exchanged"}  # fmt: skip
_PARTY = re.compile(
    r"\b(?:third part(?:y|ies)|(?:outside|other|external|any other|another) (?:part(?:y|ies)|"
    r"compan(?:y|ies)|organi[sz]ations?|entit(?:y|ies)|businesses)|(?:any )?entities|anyone|"
    r"anybody|individuals outside|other parts of|partners?|providers?|carriers?|couriers?|"
    r"sub-?contract\w*|agenc(?:y|ies)|authorit(?:y|ies)|vendors?|suppliers?|processors?|"
    r"new owner|purchaser|buyer)\b"
)
_PARTICIPLE = re.compile(r"(?:provided|supplied|given|sent) (?:in|by|at|through|via|on|under)\b")
"""'the address provided in section ...': a description, not an act of sharing."""
_INCOMING = re.compile(r"\s+(?:(?:[\w']+\s+){0,3}?(?:to|with) us\b|us\b)")
_DOES_NOT_INCLUDE = re.compile(
    r"\bdoes not include (?:trusted )?(?:third parties|partners|service providers|companies)"
    r" (?:who|that|which)\b"
)
_ENABLE = re.compile(r"\b(?:enable|allow|permit)s? third parties to\b")
_STAYS = re.compile(
    r"\b(?:do(?:es)? not|don't|doesn't|never|will not) (?:leave|rely on (?:any )?"
    r"(?:externally hosted|external|third party))"
)
_GLOBAL_OBJECT = re.compile(
    r"\b(?:your|any|no|all) (?:personal )?(?:data|information|details)\b|\bpersonal "
    r"(?:data|information|details)\b|\bany information\b|\byour personally identifiable\b"
)
_EXCEPTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("law-enforcement", re.compile(
        r"\blaw enforcement\b|\bpolice\b|\bjudicial\b|\bcourts?\b|\bsubpoena\b|\bwarrants?\b|"
        r"\bempowered by (?:regulation|statute)\b|\bgovernment(?:al)? (?:bodies|authorities)\b")),
    ("legal-obligation", re.compile(
        r"\blegal(?:ly)? (?:obliged|required|compelled|bound|obligations?|requirements?|process)\b|"
        r"\brequired (?:by|under) (?:the |applicable )?law\b|\bas required under\b|\bcomply with "
        r"(?:the |any |applicable |relevant )?(?:laws?|legal|regulations?)\b|\blawful requests?\b|"
        r"\bregulation, statute\b|\benforce our (?:site )?policies\b|\bprotect (?:our|ours)\b")),
    ("business-transfer", re.compile(
        r"\bnew owner\b|\bis sold\b|\bmerger\b|\bacquisition\b|\bacquired\b|\bpurchaser\b|"
        r"\bchange (?:of|in) (?:control|ownership)\b")),
    ("consent", re.compile(r"\bwithout (?:your|their) (?:prior |express )?consent\b|\bwith your "
                           r"(?:prior |express )?consent\b")),
    ("delivery", re.compile(
        r"\bdeliver(?:y|ing|ed)?\b|\bcarriers?\b|\bcouriers?\b|\bshipping\b|\bpostal\b|"
        r"\bcustoms\b")),
    ("payment", re.compile(r"\bpayments? (?:providers?|processors?|gateways?|services?)\b|"
                           r"\bpayment information\b")),
    ("service-providers", re.compile(
        r"\b(?:service|hosting) providers?\b|\bhost\b|\bsub-?contract\w*\b|\bprocessors?\b|"
        r"\bwho (?:assist|help) us\b|\bon our behalf\b|\bspam detection\b|\btechnical, logistical"
        r"\b|\bwarehouse\b")),
    ("group", re.compile(r"\bother parts of\b|\bgroup compan|\baffiliates?\b|\bsubsidiar")),
)  # fmt: skip
_LEGAL_KINDS = {"law-enforcement", "legal-obligation"}
_NOT_SHARING = _LEGAL_KINDS | {"business-transfer", "consent"}
PROCESSOR_KINDS = {"delivery", "payment", "service-providers"}
_NAMED = re.compile(r"\b(?:with|to) (?P<name>(?:[A-Z][\w&.-]*(?:\s+|$)){1,4})")
_NAME_STOP = {"The", "Our", "Your", "We", "Any", "This", "These", "Those", "UK", "GDPR"}


@dataclass(frozen=True, slots=True)
class Recipient:
    kind: str  # an exception or recipient kind above, or a service kind
    name: str
    sentence: Sentence


@dataclass(slots=True)
class SharingFindings:
    verdict: Fact = field(default_factory=Fact.silent)  # value: True (shares) / False
    exceptions: tuple[Recipient, ...] = ()  # legal disclosures, sale of the business, consent
    recipients: tuple[Recipient, ...] = ()  # who receives data
    named: tuple[Recipient, ...] = ()  # well-known services the notice names
    negative: tuple[Sentence, ...] = ()
    positive: tuple[Sentence, ...] = ()

    def exception_kinds(self) -> list[str]:
        return sorted({e.kind for e in self.exceptions})


def _kinds(norm: str) -> list[str]:
    return [kind for kind, pattern in _EXCEPTIONS if pattern.search(norm)]


def _name(sentence: Sentence, kind: str) -> str:
    named = [s.name for s in services(sentence)]
    if named and kind not in _NOT_SHARING:
        return ", ".join(named)
    match = _NAMED.search(sentence.text) if kind not in _NOT_SHARING else None
    if match:
        words = [w for w in match["name"].split() if w not in _NAME_STOP]
        if words:
            return " ".join(words).rstrip(".,")
    return {
        "law-enforcement": "Law enforcement and courts",
        "legal-obligation": "Authorities, where the law requires",
        "business-transfer": "A new owner of the business",
        "delivery": "Delivery carriers",
        "payment": "Payment providers",
        "service-providers": "Service providers acting for us",
        "group": "Other parts of our organisation",
    }.get(kind, "Third parties")


def read_sharing(document: Document, found: Findings) -> SharingFindings:
    result = SharingFindings()
    negative: list[Sentence] = []
    global_negative: list[Sentence] = []
    positive: list[Sentence] = []
    exceptions: list[Recipient] = []
    recipients: list[Recipient] = []
    named: dict[str, Recipient] = {}
    for sentence in document.sentences:
        if sentence.kind == "heading" or explains_rights(sentence):
            continue
        norm = sentence.norm
        for service in services(sentence):
            named.setdefault(service.name, Recipient(service.kind, service.name, sentence))
        special = _DOES_NOT_INCLUDE.search(norm) or _ENABLE.search(norm)
        verbs = [
            m
            for m in _VERB.finditer(norm)
            if not _INCOMING.match(norm, m.end()) and not _PARTICIPLE.match(norm, m.start())
        ]
        if not (special or verbs or _STAYS.search(norm)):
            continue
        kinds = _kinds(norm)
        if special:
            if global_negative and global_negative[-1].index == sentence.index - 1:
                global_negative.pop()  # "We do not share ... This does not include ...": qualified
            positive.append(sentence)
            kind = next((k for k in kinds if k in PROCESSOR_KINDS), "service-providers")
            recipients.append(Recipient(kind, _name(sentence, kind), sentence))
            continue
        if _STAYS.search(norm):
            negative.append(sentence)
            continue
        if not verbs:
            continue
        negated = bool(NEGATION.search(norm[: verbs[0].start()]))
        legal = [k for k in kinds if k in _NOT_SHARING]
        after = norm[verbs[0].start() :]
        if not negated and legal and not SERVICE.search(after):
            # "We'll comply with law enforcement requests to provide information": compelled
            # disclosure, with or without a named recipient, is an exception, not sharing.
            exceptions += [Recipient(k, _name(sentence, k), sentence) for k in legal]
            others = [k for k in kinds if k not in _NOT_SHARING and k in PROCESSOR_KINDS]
            if not others or not _PARTY.search(after):
                continue
        party = _PARTY.search(after) or SERVICE.search(after)
        if not party:
            continue
        if negated:
            if {m.group(0) for m in verbs} <= _SALE_ONLY:
                continue  # a promise not to sell says nothing about sharing
            negative.append(sentence)
            condition = CONDITION.search(norm)
            if condition is None and _GLOBAL_OBJECT.search(norm):
                global_negative.append(sentence)
            if condition is not None:
                tail = norm[condition.start() :]
                for kind in _kinds(tail):
                    target = recipients if kind in PROCESSOR_KINDS else exceptions
                    target.append(Recipient(kind, _name(sentence, kind), sentence))
            continue
        positive.append(sentence)
        others = [k for k in kinds if k not in _NOT_SHARING]
        for kind in others or ["third-parties"]:
            recipients.append(Recipient(kind, _name(sentence, kind), sentence))
    result.negative = unique(negative)
    result.positive = unique(positive)
    result.exceptions = tuple(exceptions)
    result.named = tuple(named.values())
    shares_with = [r for r in recipients if r.kind not in _NOT_SHARING]
    result.recipients = tuple(shares_with)
    if shares_with:
        evidence = unique(r.sentence for r in shares_with)
        result.verdict = Fact.of(True, evidence)
        if global_negative:
            found.contradictions.append(
                Contradiction(
                    "sharing",
                    "the notice promises that no data goes to third parties, yet says data "
                    "goes to " + ", ".join(sorted({r.name for r in shares_with})),
                    unique((*global_negative, *evidence)),
                )
            )
            result.verdict = Fact(Status.CONTRADICTORY, True, unique((*global_negative, *evidence)))
    elif negative:
        result.verdict = Fact.of(False, negative)
        if result.named:
            names = ", ".join(r.name for r in result.named)
            found.contradictions.append(
                Contradiction(
                    "sharing",
                    "the notice promises that no data goes to third parties, yet names services "
                    f"that receive data from the site or its visitors: {names}",
                    unique((*negative[:1], *(r.sentence for r in result.named))),
                )
            )
    elif result.named:
        result.recipients = result.named
        result.verdict = Fact.of(
            True,
            (r.sentence for r in result.named),
            "no sentence says so, but the notice names services that receive data",
        )
    return result
