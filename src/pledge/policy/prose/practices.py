"""Practices: passwords, card data, payments, transport security, marketing and statistics.

Each is read from sentences that make a claim, never from advice to the reader ("please do not
send card details by email"). Passwords are hashed only where the notice says one-way or hash:
"passwords are encrypted" is reported as what it is, since encryption can be undone. Card data is
"not kept" only where the notice says so of its own servers or records ("cookies don't store
card details" says nothing about the shop's database); a notice that collects card details and
never says whether it keeps them is unclear.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pledge.policy.prose.facts import (
    NEGATION,
    Contradiction,
    Fact,
    Status,
    about_cookies,
    explains_rights,
    services,
    unique,
)
from pledge.policy.prose.text import Document, Sentence

if TYPE_CHECKING:
    from pledge.policy.prose.findings import Findings

_PASSWORD = re.compile(r"\bpasswords?\b")
_HASHED = re.compile(
    r"\bone[- ]way\b|\bhash(?:ed|es|ing)?\b|\bbcrypt\b|\bargon2\w*\b|\bscrypt\b|\bpbkdf2\b|"
    r"\bsalted\b"
)
_ENCRYPTED = re.compile(r"\bencrypt\w*\b")
_PLAIN = re.compile(r"\b(?:plain ?text|in (?:the )?clear|unencrypted)\b")
_ADVICE = re.compile(
    r"^(?:please|accordingly|you should|do not|never)\b|\bplease (?:do not|don't|never)\b|"
    r"\b(?:avoid|never) (?:send|share|disclose)\w*\b"
)
_CARD = re.compile(
    r"\b(?:credit|debit|payment|bank) ?cards?\b|\bcard (?:details|information|data|numbers?)\b|"
    r"\bcardholder\b|\bcredit (?:card )?information\b|\bsensitive/credit information\b"
)
_STORE = re.compile(
    r"\b(?:stor(?:e|ed|es|ing)|retain(?:s|ed)?|keep|kept|hold|held|sav(?:e|ed|es)|record(?:s|ed)?|"
    r"see|access)\b"
)
_COLLECT = re.compile(
    r"\b(?:collect\w*|enter\w*|submit\w*|provide\w*|ask(?:ed)? (?:you )?for|asked to enter|"
    r"suppl\w*|gather\w*)\b"
)
_OURS = re.compile(r"\b(?:our|we|us|on file)\b")
_COOKIE_SUBJECT = re.compile(r"\bcookies? (?:do(?:es)? not|don't|doesn't|never|cannot) ")
_PAYMENT_METHODS = (
    ("paypal", re.compile(r"\bpaypal\b")),
    ("bank-transfer", re.compile(r"\bbank transfers?\b|\bwire transfers?\b|\bdirect debit\b|"
                                 r"\bdebit to your bank account\b")),
    ("hosted-card-page", re.compile(r"\bcredit cards?\b|\bdebit cards?\b|\bcard payments?\b|"
                                    r"\bvisa\b|\bmastercard\b|\bpayment gateway\b|\bstripe\b")),
)  # fmt: skip
_PAYMENT_CONTEXT = re.compile(r"\bpay(?:ment|ments|ing|s)?\b|\btransactions?\b|\bcheckout\b")
_TRANSPORT = re.compile(r"\b(?:ssl|tls|https|hsts|secure socket layer)\b")
_ENCOURAGED = re.compile(r"\b(?:encourag\w+|recommend\w*|advis\w+|suggest\w*)\b")
_SECURITY = re.compile(
    r"\b(?:ssl|tls|https|hsts|encrypt\w*|secure (?:servers?|database|environment|socket)|"
    r"unauthori[sz]ed (?:access|interception)|security measures|safeguard\w*|protected from|"
    r"firewall|in as secure a manner)\b"
)

_MARKETING = re.compile(
    r"\b(?:newsletters?|e?mail(?:ing)? list|marketing (?:emails?|communications?|messages?|"
    r"purposes)|promotional (?:emails?|events?|offers?|material)|(?:information|details|updates|"
    r"news) (?:about|on|of) (?:our |other )?(?:products|services|promotional)|company news|"
    r"product or service information|advertising relating to our products|periodic emails|"
    r"unrequested marketing|marketing)\b"
)
_MARKETING_SEND = re.compile(
    r"\b(?:send|sending|provid\w+|email|contact|notify|inform|receiv\w+|join|sign up|subscribe)\b"
)
_MARKETING_NONE = re.compile(
    r"\b(?:no|not|never|eschews?|without)\b[^.]{0,80}\b(?:marketing|advertising|newsletters?|"
    r"promotional)\b"
)
_CONDITIONAL = re.compile(
    r"if you (?:object|withdraw|revoke|opt out|unsubscribe)\b|.*\bno longer\b"
)
"""'If you object, your data will no longer be used for advertising': a right, not a practice."""
_OPT_IN = (
    re.compile(r"\bif you (?:have )?(?:consented|agreed|opted in|subscribed|signed up)\b"),
    re.compile(r"\bopt(?:ed)?[- ]in\b"),
    re.compile(r"\bwith your (?:prior |express )?consent\b"),
    re.compile(r"\b(?:subscribe|sign up|signing up|join)\w* (?:to |for )?(?:our |the )?"
               r"(?:e?mail(?:ing)? list|newsletter|mailing list|updates)\b"),
)  # fmt: skip
_TICK = re.compile(
    r"\b(?:tick|check|select)\w* (?:the |a |this )?(?:appropriate |relevant )?"
    r"(?:check)?box\b"
)
_NOT_WISH = re.compile(r"\b(?:do not|don't) (?:wish|want)\b")
_NOT_TICK = re.compile(r"\b(?:do not|don't|not) (?:tick|check|select)\b")
_MARKETING_WORDS = re.compile(
    r"\bstop receiving\b|\bunsubscrib|\bnewsletter|\bmailing list\b|\be?mail list\b|"
    r"\badvertis|\bfrom (?:our|the) list\b"
)
_WITHDRAW = re.compile(
    r"\bunsubscrib\w+\b|\bstop receiving\b|\bopt[- ]?out\b|\b(?:withdraw|revoke)\w* (?:your |any )?"
    r"consent\b|\bremove your details from\b|\bupdat\w+ your (?:details|preferences|account)\b|"
    r"\buntick\b|\bchange your (?:preferences|settings)\b"
)

_STATS_CONTEXT = re.compile(
    r"\b(?:statistic\w*|analytic\w*|aggregate\w*|trends?|usage|browsing patterns|traffic|"
    r"analy[sz]\w+|demographic|how (?:you|visitors|users) use|strategic development|"
    r"countries shipped to)\b"
)
_AGGREGATE = re.compile(
    r"\baggregate\w*\b|\bas a whole\b|\bhigh[- ]level analytics\b|\bstatistical purposes\b|"
    r"\bvisitor statistics\b|\bstatistically analy[sz]"
)
_ANONYMOUS = re.compile(
    r"\banonymi[sz]\w*|\banonymous(?:ly)?\b|\bnot personally identifiable\b|\bcannot be used to "
    r"identify you\b|\bwithout identifying\b|\bdoes not identify\b|\bnot linked to anything\b|"
    r"\bcannot be traced back to you\b"
)
_NO_STATS = re.compile(
    r"\bno (?:analytics|tracking|statistics)\b|\b(?:do not|don't|never) (?:use|"
    r"collect) (?:any )?(?:analytics|statistics|tracking)\b"
)


def read_practices(document: Document, found: Findings) -> None:
    sentences = [s for s in document.sentences if s.kind != "heading"]
    _passwords(sentences, found)
    _cards(sentences, found)
    _payments(sentences, found)
    _security(sentences, found)
    _marketing(document, sentences, found)
    _statistics(sentences, found)


def _passwords(sentences: list[Sentence], found: Findings) -> None:
    claims = [
        s
        for s in sentences
        if _PASSWORD.search(s.norm)
        and not _ADVICE.search(s.norm)
        and (_HASHED.search(s.norm) or _ENCRYPTED.search(s.norm) or _PLAIN.search(s.norm))
    ]
    hashed = [s for s in claims if _HASHED.search(s.norm)]
    if hashed:
        found.passwords = Fact.of("one-way hash", hashed)
    elif any(_PLAIN.search(s.norm) for s in claims):
        found.passwords = Fact(
            Status.UNCLEAR,
            "plain text",
            unique(claims),
            "the notice says passwords are kept "
            "readable; pledge keeps only a one-way hash (Argon2id)",
        )
    elif claims:
        found.passwords = Fact(
            Status.UNCLEAR,
            "encrypted",
            unique(claims),
            "the notice says passwords are encrypted, not hashed: encryption can be undone, "
            "while pledge keeps only a one-way hash (Argon2id)",
        )


def _cards(sentences: list[Sentence], found: Findings) -> None:
    not_kept: list[Sentence] = []
    kept: list[Sentence] = []
    collected: list[Sentence] = []
    for sentence in sentences:
        norm = sentence.norm
        card = _CARD.search(norm)
        if not card or _ADVICE.search(norm) or _COOKIE_SUBJECT.search(norm):
            continue
        store = _STORE.search(norm)
        if store and NEGATION.search(norm[: store.start()]):
            not_kept.append(sentence)
        elif store and _OURS.search(norm) and not _COLLECT.search(norm):
            kept.append(sentence)
        elif _COLLECT.search(norm) or "payment gateway" in norm:
            collected.append(sentence)
    if not_kept and kept:
        found.cards = Fact(Status.CONTRADICTORY, None, unique((*not_kept, *kept)))
        found.contradictions.append(
            Contradiction(
                "card data",
                "the notice says card data is not kept, and that it is",
                unique((*not_kept, *kept)),
            )
        )
    elif not_kept:
        found.cards = Fact.of("not stored", not_kept)
    elif kept:
        found.cards = Fact.of("stored", kept, "pledge never stores card data")
    elif collected:
        found.cards = Fact(
            Status.UNCLEAR,
            "collected",
            unique(collected),
            "the notice collects card details but does not say whether it keeps them",
        )


def _payments(sentences: list[Sentence], found: Findings) -> None:
    methods: dict[str, Sentence] = {}
    for sentence in sentences:
        if not _PAYMENT_CONTEXT.search(sentence.norm) or _ADVICE.search(sentence.norm):
            continue
        for method, pattern in _PAYMENT_METHODS:
            if pattern.search(sentence.norm):
                methods.setdefault(method, sentence)
    if methods:
        found.payments = Fact.of(tuple(methods), methods.values())


def _security(sentences: list[Sentence], found: Findings) -> None:
    transport = [s for s in sentences if _TRANSPORT.search(s.norm)]
    if transport:
        encouraged = [s for s in transport if _ENCOURAGED.search(s.norm)]
        found.transport = Fact.of(
            "encouraged" if encouraged else "required", (encouraged or transport)[:2]
        )
    statements = [
        s
        for s in sentences
        if _SECURITY.search(s.norm)
        and not _PASSWORD.search(s.norm)
        and not _CARD.search(s.norm)
        and "cookie" not in s.norm
        and not explains_rights(s)
        and len(s.text.split()) >= 5
    ]
    if statements:
        found.security = Fact.of(tuple(s.text for s in statements[:4]), statements[:4])


def _marketing(document: Document, sentences: list[Sentence], found: Findings) -> None:
    positive: list[Sentence] = []
    negative: list[Sentence] = []
    for i, sentence in enumerate(sentences):
        norm = sentence.norm
        if explains_rights(sentence) or about_cookies(sentence, sentences[i - 1] if i else None):
            continue
        if re.search(r"\b(?:release|share|pass|sell|disclose|provided to)\b", norm) and (
            "third part" in norm or "outside" in norm
        ):
            continue  # about sharing, not about marketing by the business itself
        none = _MARKETING_NONE.search(norm)
        if none and not _MARKETING.search(norm[none.end() :]) and not _CONDITIONAL.match(norm):
            negative.append(sentence)
        elif _sends_marketing(sentence):
            positive.append(sentence)
    withdraw = [
        s
        for s in sentences
        if _WITHDRAW.search(s.norm)
        and (_MARKETING.search(s.norm) or _MARKETING_WORDS.search(s.norm))
        and "cookie" not in s.norm
        and not services(s)
    ]
    if positive and negative:
        found.contradictions.append(
            Contradiction(
                "marketing",
                "the notice says it does no marketing, yet describes sending marketing",
                unique((*negative[:2], *positive[:2])),
            )
        )
        found.marketing = Fact(Status.CONTRADICTORY, None, unique((*negative, *positive)))
    elif negative:
        found.marketing = Fact.of("none", negative)
        return
    elif not positive:
        return
    mode, evidence = _consent_mode(positive, sentences)
    if found.marketing.status is not Status.CONTRADICTORY:
        if mode == "opt-in":
            found.marketing = Fact.of("opt-in", unique((*positive[:2], *evidence)))
        elif mode == "opt-out":
            found.marketing = Fact(
                Status.UNCLEAR,
                "opt-out",
                unique((*positive[:2], *evidence)),
                "marketing is sent unless the person opts out; pledge sends marketing only with "
                "opt-in consent",
            )
        else:
            found.marketing = Fact(
                Status.UNCLEAR,
                "sent",
                unique(positive[:3]),
                "the notice sends marketing but does not say how consent is asked",
            )
    if withdraw:
        found.withdraw = Fact.of(withdraw[0].text, withdraw[:1])


def _sends_marketing(sentence: Sentence) -> bool:
    """Says marketing is sent (or offered: a box to tick, a newsletter to join)."""
    norm = sentence.norm
    offered = _MARKETING_SEND.search(norm) or sentence.kind == "item"
    if _MARKETING.search(norm) and offered:
        return True
    return bool(_TICK.search(norm) or any(p.search(norm) for p in _OPT_IN[3:]))


def _consent_mode(
    positive: list[Sentence], sentences: list[Sentence]
) -> tuple[str | None, tuple[Sentence, ...]]:
    for sentence in sentences:
        norm = sentence.norm
        if _TICK.search(norm):
            # "If you do not wish to receive ..., please do not tick the box": ticking agrees.
            opts_out = bool(_NOT_WISH.search(norm)) != bool(_NOT_TICK.search(norm))
            return ("opt-out" if opts_out else "opt-in"), (sentence,)
    for sentence in sentences:
        if "cookie" in sentence.norm:
            continue
        if any(p.search(sentence.norm) for p in _OPT_IN) and (
            sentence in positive or _MARKETING.search(sentence.norm)
        ):
            return "opt-in", (sentence,)
    if any(_WITHDRAW.search(s.norm) for s in sentences if _MARKETING.search(s.norm)):
        return "opt-out", ()
    return None, ()


def _statistics(sentences: list[Sentence], found: Findings) -> None:
    none = [s for s in sentences if _NO_STATS.search(s.norm)]
    claims = [
        s
        for s in sentences
        if _STATS_CONTEXT.search(s.norm)
        and (_AGGREGATE.search(s.norm) or _ANONYMOUS.search(s.norm))
        and not explains_rights(s)
    ]
    if claims:
        anonymous = any(_ANONYMOUS.search(s.norm) for s in claims)
        found.statistics = Fact.of("anonymised" if anonymous else "aggregate", claims[:3])
    elif none:
        found.statistics = Fact.of("none", none[:1])
