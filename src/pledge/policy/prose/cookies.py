"""Cookies: used or not, and of which kind (session or persistent, first or third party).

Notices talk about cookies in three ways, and only one is a claim about the site: they define
cookies ("Cookies are small text files"), tell readers how to refuse them ("you can set your
browser to block cookies"), and say what the site does ("we use cookies", "No persistent or
session cookies are set"). Only the last counts. "Beyond a working session, we do not use
cookies" is a claim that session cookies are used, not that none are.

Each cookie the notice describes becomes a draft entry: named where the notice names it (a
cookie table), otherwise after its purpose ('basket', 'login'), with its lifetime where stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pledge.policy.calendar import Duration
from pledge.policy.prose.facts import (
    DEFINES_DATA,
    QUESTION,
    Contradiction,
    Fact,
    Period,
    Status,
    about_cookies,
    periods,
    services,
    unique,
)
from pledge.policy.prose.text import Document, Sentence

if TYPE_CHECKING:
    from pledge.policy.prose.findings import Findings

_GENERAL = re.compile(
    r"^(?:a |the )?cookies? (?:is|are) (?:a |an )?(?:small|tiny|data|text|identifiers?|pieces?|"
    r"files?|little)|^(?:most|many) (?:web)?sites|\b(?:you|visitors|users) (?:can|may|could|"
    r"are able to|have the ability to) (?:\w+ ){0,3}(?:disable|block|delete|refuse|decline|"
    r"restrict|reject|accept|manage|set|opt|exclude|activate|prevent)|\bif you (?:wish to |"
    r"want to |would like to |choose to |do )?(?:disable|block|delete|decline|refuse|restrict|"
    r"deactivate|reject)|\bbrowsers? (?:can|may) be set\b|\bfor (?:more|further) "
    r"(?:information|reading) (?:about|on) cookies\b|"
    r"\ballaboutcookies|aboutcookies|\bopt[- ]out cookie\b|\bin the event that\b|\bin some cases it"
    r" is possible\b|\bcookies have a variety\b|\bmany cookies are\b|\bthe purpose of (?:other )?"
    r"cookies\b|\bwhat are cookies\b|\bare widely used\b|\bhow to manage cookies\b"
)
_USE_ACTIVE = re.compile(
    r"\b(?:we|i|this (?:web)?site|our (?:web)?sites?|the (?:web)?site|our (?:web)?pages|"
    r"[a-z0-9.-]+\.(?:com|org|net|co\.uk|uk|de|jp|io)|(?:google|youtube|amazon|wordpress stats|"
    r"it|service|they|these websites|pages with this embedded content)|[a-z]+ (?:ltd|inc|gmbh))"
    r"\b[^.]{0,60}?\b(?:use|uses|used|using|set|sets|setting|place|places|put|puts|store|stores|"
    r"save|saves|employ|employs|serve|serves|present|collect|collects|install|installs)\b"
    r"[^.]{0,80}?\bcookies?\b"
)
_USE_PASSIVE = re.compile(
    r"\bcookies?\b[^.]{0,40}?\b(?:is|are|will be|may be|can be|gets|get|be)\s+(?:\w+\s+)?"
    r"(?:set|placed|stored|saved|used|installed|sent|put|dropped|archived)\b"
    r"|\bcookies?\b[^.]{0,40}?\b(?:will |may )?(?:last|expire|persist|remain|stay)s?\b"
    r"|\bcookies? (?:set|placed|used|stored) (?:by|on) (?:this|our|the) (?:web)?site\b"
    r"|\b(?:the )?cookies (?:we|that we|this site) (?:use|set)\b|\btemporary cookie\b"
    r"|\b(?:session|persistent|permanent|login|third party) cookies? (?:last|expire|are|is)\b"
    r"|\bcookies? (?:to|that) (?:help|enable|remember|collect|allow)\b"
    r"|\b(?:uses?|using) (?:a |the )?(?:\w+ )?cookies?\b"
    r"|\b(?:a|the|our|one|this) (?:\w+ )?cookies? (?:keeps|remembers|stores|holds|records|lets|"
    r"allows)\b"
)
_NONE = re.compile(
    r"\b(?:do(?:es)? not|don't|doesn't|never|will not|won't|not)\s+(?:\w+\s+)?(?:use|set|place|"
    r"store|save|employ|rely on)\s+(?:any\s+)?(?:\w+\s+){0,2}cookies\b"
    r"|\bno\s+(?:\w+\s+){0,4}cookies\s+(?:are|is|will be)\s+(?:ever\s+)?(?:set|used|placed|stored)"
    r"|\bcookie-?less\b|\bno cookies\b|\bwithout (?:any )?cookies\b"
)
_SOME = re.compile(r"\s*(?:for|to|that|which|from)\b")
_EXCEPT_SESSION = re.compile(
    r"\b(?:beyond|except|apart from|other than|besides|save for|only)\b[^.]{0,90}\b(?:session|"
    r"technical(?:ly)?|strictly necessary|essential|functional)"
)
_SESSION = re.compile(
    r"\bsession cookies?\b|\btemporary cookie|\b(?:deleted|discarded|removed|expires?|erased|"
    r"cleared|gone)\b[^.]{0,30}\b(?:as soon as|when|once|after) you (?:leave|close|exit|log out|"
    r"terminate|end)|\bwhen (?:you )?clos\w+ (?:your|the) browser\b|\bduration of (?:a|the|your) "
    r"(?:session|visit)\b|\bworking session\b|^session$"
)
_PERSISTENT = re.compile(
    r"\b(?:persistent|permanent) cookies?\b|\buntil you (?:actively )?delete them\b|"
    r"\b(?:last|lasts|expire|expires|remain|remains|persist|persists|stay|stays|kept)\b[^.]{0,40}"
    r"\b(?:for|after|until)\b"
)
_THIRD = re.compile(r"\bthird party (?:cookies?|vendors?|advertis\w+|services?)\b|\bthird party\b")
_QUESTION_USE = re.compile(r"\bdo (?:we|you) use cookies\b")
_PURPOSES: tuple[tuple[str, str, str], ...] = (
    # (cookie name, purpose id, words)
    ("basket", "orders", r"\b(?:basket|shopping cart|cart)\b"),
    ("login", "service", r"\blog ?in|logged in|sign(?:ed)? in|remember me|account\b"),
    ("comment", "service", r"\bcomments?\b"),
    ("preferences", "service", r"\bpreferences|screen (?:display|options)|personali[sz]"),
    ("analytics", "statistics", r"\banalytics|statistic|stats\b|how (?:you|visitors) use|trends"),
    ("advertising", "marketing", r"\bads\b|advertis|doubleclick|adsense"),
    ("consent", "operation", r"\bcookie (?:message|notice|banner|consent)"),
)  # fmt: skip
_PURPOSE_PATTERNS = [(n, p, re.compile(w)) for n, p, w in _PURPOSES]


@dataclass(frozen=True, slots=True)
class CookieUse:
    name: str
    purpose: str  # a purpose id the draft declares
    lifetime: str | Duration | None  # 'browser-session', a duration, or not stated
    lifetime_words: str  # as the notice says it
    third_party: bool
    named: bool  # the notice gives the name
    evidence: tuple[Sentence, ...]


@dataclass(slots=True)
class CookieFindings:
    used: Fact = field(default_factory=Fact.silent)  # value: True / False
    session: tuple[Sentence, ...] = ()
    persistent: tuple[Sentence, ...] = ()
    first_party: tuple[Sentence, ...] = ()
    third_party: tuple[Sentence, ...] = ()
    uses: tuple[CookieUse, ...] = ()
    statement: tuple[Sentence, ...] = ()  # what the draft's cookie_statement cites

    def kinds(self) -> list[str]:
        """The kinds the notice states, in words: 'session', 'persistent', 'third-party'."""
        named = [
            ("session", self.session),
            ("persistent", self.persistent),
            ("first-party", self.first_party),
            ("third-party", self.third_party),
        ]
        return [name for name, evidence in named if evidence]


def _lifetime(sentence: Sentence) -> tuple[str | Duration | None, str]:
    if _SESSION.search(sentence.norm) or (sentence.kind == "row" and _row_session(sentence)):
        return "browser-session", "deleted when the browser closes"
    found: list[Period] = periods(sentence.norm)
    if found:
        return found[0].duration, found[0].words
    return None, ""


def _row_session(sentence: Sentence) -> bool:
    return any(cell.strip().lower() == "session" for cell in sentence.cells)


def read_cookies(document: Document, found: Findings) -> CookieFindings:
    sentences = document.sentences
    result = CookieFindings()
    positive: list[Sentence] = []
    negative: list[Sentence] = []
    session_only: list[Sentence] = []
    relevant: list[Sentence] = []
    for i, sentence in enumerate(sentences):
        previous = sentences[i - 1] if i else None
        if sentence.kind == "heading" or not about_cookies(sentence, previous):
            continue
        relevant.append(sentence)
        norm = sentence.norm
        if sentence.kind == "row":
            positive.append(sentence)
            continue
        if norm.startswith("yes") and _QUESTION_USE.search(sentence.heading):
            positive.append(sentence)
            continue
        if QUESTION.search(norm) or DEFINES_DATA.search(norm):
            continue
        if none := _NONE.search(norm):
            if _EXCEPT_SESSION.search(norm):
                session_only.append(sentence)
            elif not _SOME.match(norm, none.end()):
                negative.append(sentence)  # not "no cookies to track you": that is about some
            continue
        if _GENERAL.search(norm) and not re.match(r"(?:we|i)\b", norm):
            continue
        if _USE_ACTIVE.search(norm) or _USE_PASSIVE.search(norm):
            positive.append(sentence)
    positive += session_only
    if positive and negative:
        found.contradictions.append(
            Contradiction(
                "cookies",
                "the notice says no cookies are used, yet describes cookies the site uses",
                unique((*negative, *positive[:2])),
            )
        )
        result.used = Fact(Status.CONTRADICTORY, None, unique((*negative, *positive)))
    elif positive:
        note = "only session cookies, for a working session" if session_only else ""
        result.used = Fact.of(True, (session_only or positive)[:3], note)
    elif negative:
        result.used = Fact.of(False, negative)
    _kinds(result, relevant, positive, session_only)
    result.uses = tuple(_uses(positive, relevant, result))
    claims = [*negative, *positive[:3]]
    blocks = {s.block for s in claims if s.kind == "text"}
    paragraph = [s for s in document.sentences if s.block in blocks]
    result.statement = unique([*paragraph, *claims, *_lifetime_sentences(relevant)])[:5]
    return result


def _lifetime_sentences(relevant: list[Sentence]) -> list[Sentence]:
    return [s for s in relevant if s.kind != "row" and _SESSION.search(s.norm)][:1]


def _kinds(
    result: CookieFindings,
    relevant: list[Sentence],
    positive: list[Sentence],
    session_only: list[Sentence],
) -> None:
    if not positive:
        return
    claims = [s for s in relevant if s in positive or not _GENERAL.search(s.norm)]
    result.session = unique(
        s for s in claims if _SESSION.search(s.norm) or (s.kind == "row" and _row_session(s))
    ) or unique(session_only)
    result.persistent = unique(
        s
        for s in claims
        if (
            (_PERSISTENT.search(s.norm) or (s.kind == "row" and periods(s.norm)))
            and not (s.kind == "row" and _row_session(s))
            and not s.norm.startswith("permanent cookies remain")
        )
        or re.search(r"\bpermanent cookies\)", s.norm)
    )
    result.third_party = unique(s for s in claims if _THIRD.search(s.norm) or services(s))
    result.first_party = unique(
        s
        for s in positive
        if re.search(r"\b(?:we|i|our|this (?:web)?site|us)\b", s.norm)
        and not _THIRD.search(s.norm)
        and not services(s)
    )


def _uses(
    positive: list[Sentence], relevant: list[Sentence], result: CookieFindings
) -> list[CookieUse]:
    uses: dict[str, CookieUse] = {}
    for sentence in positive:
        if sentence.kind == "row":
            use = _row_use(sentence)
            if use is not None:
                uses.setdefault(use.name, use)
            continue
        # The purpose may be in the sentence before: "If you leave a comment, you may save
        # your details in cookies. These cookies will last for one year."
        context = " ".join(
            s.norm for s in relevant if s.block == sentence.block and s.index <= sentence.index
        )
        name, purpose = next(
            ((n, p) for n, p, pattern in _PURPOSE_PATTERNS if pattern.search(sentence.norm)),
            next(
                ((n, p) for n, p, pattern in _PURPOSE_PATTERNS if pattern.search(context)),
                ("cookie", "operation"),
            ),
        )
        if name in uses:
            continue
        lifetime, words = _lifetime(sentence)
        evidence = [sentence]
        if lifetime is None:
            # "These cookies are deleted as soon as you leave our site": the next sentences
            # of the same paragraph often give the lifetime.
            for follower in relevant:
                if follower.block == sentence.block and follower.index > sentence.index:
                    lifetime, words = _lifetime(follower)
                    if lifetime is not None:
                        evidence.append(follower)
                        break
        third = bool(_THIRD.search(sentence.norm) or services(sentence))
        uses[name] = CookieUse(name, purpose, lifetime, words, third, False, tuple(evidence))
    return list(uses.values())


def _row_use(sentence: Sentence) -> CookieUse | None:
    header = sentence.header
    cells = sentence.cells
    if len(cells) < 2 or not header or cells == tuple(h for h in header):
        return None
    if [c.lower() for c in cells] == list(header):
        return None  # the header row itself
    column = {h: i for i, h in enumerate(header)}
    name_at = next((i for h, i in column.items() if "name" in h or "cookie" in h), 0)
    name = re.sub(r"[^A-Za-z0-9_-]", "", cells[name_at]) if name_at < len(cells) else ""
    if not name:
        return None
    lifetime: str | Duration | None = None
    words = ""
    for h, i in column.items():
        if i < len(cells) and re.search(r"expir|duration|lifetime|lasts|retention|period", h):
            words = cells[i]
            row_norm = cells[i].lower()
            if row_norm.strip() == "session" or "session" in row_norm:
                lifetime = "browser-session"
            else:
                found = periods(row_norm)
                if found:
                    lifetime = found[0].duration
    reason = " ".join(cells[i] for h, i in column.items() if re.search(r"reason|purpose|desc", h))
    purpose = next(
        (p for _n, p, pattern in _PURPOSE_PATTERNS if pattern.search(reason.lower())), "operation"
    )
    third = bool(services(sentence)) or "third party" in sentence.norm
    return CookieUse(name, purpose, lifetime, words, third, True, (sentence,))
