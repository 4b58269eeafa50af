"""How long data is kept: periods per category, the event they count from, and the schedule.

A retention statement keeps or deletes data and says when: a period ("for a period of five
years", "within 6 months of the date of shipping"), a request ("until you ask us to delete
it"), an event ("once information is reviewed, it is discarded"), or never ("retained
indefinitely"). A period given for a legal duty ("as part of auditing requirements") is also a
minimum: erasure is refused before it. Statements about cookies are cookie lifetimes, not data
retention, and are left to the cookie reader.

Each statement belongs to the category it names, else to the one its section is about, else to
the one the statement before it concerned ("After this period, ..."), else to all data. The
statements of one category are read in order, so "stored for five years", then "not deleted
after this period", then "deleted on written request" make one rule: five years at least,
then kept until asked.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field

from pledge.policy.calendar import Duration, FiscalYearEnd
from pledge.policy.prose.data import CategoryFinding
from pledge.policy.prose.facts import (
    NEGATION,
    Fact,
    about_cookies,
    explains_rights,
    periods,
    unique,
)
from pledge.policy.prose.text import Document, Sentence

_KEEP = re.compile(
    r"\b(?:kept|keep|keeps|stor(?:e|ed|es|ing)|retain(?:s|ed)?|maintain(?:s|ed)?|held|hold|holds|"
    r"remains? with us|archived?|saved?|recorded|preserved?)\b"
)
_DELETE = re.compile(
    r"\b(?:delet(?:e|ed|es)|eras(?:e|ed|es)|destroy(?:s|ed)?|purg(?:e|ed|es)|discard(?:s|ed)?|"
    r"disposed of|eradicat(?:e|ed)|remov(?:e|ed)|anonymi[sz]ed and deleted)\b"
)
_WHEN = re.compile(r"\b(?:after|within|once|as soon as|when|following|at the end of|upon)\b")
_UNTIL_ASKED = re.compile(
    r"\buntil (?:you|the (?:user|visitor|customer|data subject)) (?:ask|request|tell|instruct|"
    r"delete)|\bunless and until you ask\b|\b(?:on|upon|at) (?:your |a )?(?:written )?request\b|"
    r"\bmake a request in writing\b|\bwish to have [^.]* deleted\b|\bask(?:s|ed)? us (?:in "
    r"writing )?to (?:have [^.]* )?(?:delete|erase|remove)|\brequest(?:s)? (?:in writing )?(?:that|"
    r"to have) [^.]* (?:deleted|erased|removed)\b"
)
_UNTIL = re.compile(r"\buntil (?!you\b)(?P<event>[^,.;]{3,80})")
_INDEFINITE = re.compile(
    r"\bindefinitely\b|\bpermanently\b|\bforever\b|\bfor as long as (?:necessary|needed|required|"
    r"we need)\b|\bno (?:fixed )?time limit\b"
)
_NOT_ERASABLE = re.compile(
    r"\b(?:cannot|can ?not|will not|may not|won't) be (?:deleted|erased|removed) (?:at|on|upon) "
    r"(?:your |the |a )?(?:visitor |customer |user )?request\b|\b(?:obliged|required|obligated) to "
    r"keep\b"
)
_LEGAL = re.compile(
    r"\b(?:audit\w*|accountancy|accounting|tax|statutory|commercial law|legal(?:ly)? "
    r"(?:obliged|required|obligations?|requirements?|regulations?|provisions?)|required by law|"
    r"law requires|record-keeping|business records)\b"
)
_LEGAL_PERIODS = re.compile(r"\bretention periods?\b")
_MINIMUM = re.compile(r"\b(?:at least|a minimum of|no less than|not less than)\b")
_NOT_DELETED_AFTER = re.compile(
    r"\bnot (?:be )?(?:deleted|erased|destroyed|removed) (?:after|at the end of|once)\b"
)
_ANAPHORA = re.compile(
    r"^(?:after (?:this|that|the) (?:period|time)|(?:this|these|those|such|it|they)\b)"
)
_ANCHORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("order-completed", re.compile(
        r"\b(?:date of|after|from|following) (?:the )?(?:shipping|shipment|dispatch|delivery|"
        r"purchase|order|your order|transaction)\b|\border (?:is )?(?:completed|fulfilled)\b")),
    ("account-closed", re.compile(
        r"\b(?:termination|end|closure|cancellation|close|closing) of (?:the|your) (?:contract|"
        r"account|subscription|membership)\b|\baccount (?:is )?(?:closed|deleted|cancelled)\b|"
        r"\b(?:close|delete|cancel) your account\b")),
    ("last-activity", re.compile(
        r"\b(?:last|latest|most recent) (?:visit|log ?in|activity|contact|message|interaction)\b|"
        r"\binactiv")),
    ("consent-withdrawn", re.compile(r"\b(?:withdraw|revoke)\w* (?:your |their )?consent\b")),
)  # fmt: skip
_FISCAL = re.compile(
    r"\b(?:end|close|closing) of (?:each|the|every|our|a)? ?(?:[a-z]+ )?(?:financial|fiscal|tax|"
    r"accounting|business) year\b|\b(?:financial|fiscal) year[- ]end\b"
)
_MONTHS = "|".join(m.lower() for m in calendar.month_name[1:])
_DAY_MONTH = re.compile(
    rf"\b(?:(?P<m1>{_MONTHS})\.? (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?|"
    rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m2>{_MONTHS}))\b"
)
_GRACE = re.compile(r"\bwithin (?P<n>[^.]{1,20}?) (?:of|after) the end\b")
_BACKUPS = re.compile(r"\bback(?:ed)? ?-?ups?\b")


@dataclass(frozen=True, slots=True)
class Statement:
    """One sentence's claim about keeping or deleting data."""

    sentence: Sentence
    scope: str  # a category key, 'general' (all data) or 'backups'
    period: Duration | None = None
    period_words: str = ""
    legal: bool = False  # kept for a legal duty: the period is also a minimum
    at_least: bool = False
    anchor: str = "collected"
    keeps_after: bool = False  # "not deleted after this period"
    on_request: bool = False
    indefinite: bool = False
    not_erasable: bool = False
    event: str = ""  # deleted or kept until an event pledge cannot observe
    legal_periods: bool = False  # "statutory retention periods", with no number


@dataclass(slots=True)
class Rule:
    """One category's retention, merged from its statements in the order the notice gives them."""

    anchor: str = "collected"
    minimum: Duration | None = None
    maximum: Duration | None = None
    on_request: bool = False
    erasable_on_request: bool = True
    indefinite: bool = False
    legal: bool = False
    legal_unnumbered: bool = False
    events: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    evidence: list[Sentence] = field(default_factory=list)
    general: bool = False  # taken from a statement about all data


@dataclass(slots=True)
class RetentionFindings:
    statements: tuple[Statement, ...] = ()
    rules: dict[str, Rule] = field(default_factory=dict)
    fiscal_year_end: Fact = field(default_factory=Fact.silent)
    grace: Fact = field(default_factory=Fact.silent)
    schedule_scope: str = "general"

    @property
    def stated(self) -> bool:
        return bool(self.statements)

    def durations(self) -> list[Duration]:
        return [s.period for s in self.statements if s.period is not None]


def _scope(
    sentence: Sentence, categories: list[CategoryFinding], previous: Statement | None
) -> str:
    for finding in categories:
        if finding.kind.trigger.search(sentence.norm):
            return finding.kind.key
    if _BACKUPS.search(sentence.norm):
        return "backups"
    if (
        previous is not None
        and _ANAPHORA.search(sentence.norm)
        and previous.sentence.heading == sentence.heading
    ):
        return previous.scope
    for finding in categories:
        if sentence.heading and finding.kind.trigger.search(sentence.heading):
            return finding.kind.key
    return "general"


def _statement(sentence: Sentence, scope: str) -> Statement | None:
    norm = sentence.norm
    keep = _KEEP.search(norm)
    delete = _DELETE.search(norm)
    found = periods(norm)
    period = found[0] if found else None
    on_request = bool(_UNTIL_ASKED.search(norm)) and bool(keep or delete)
    indefinite = bool(_INDEFINITE.search(norm)) and bool(keep)
    not_erasable = bool(_NOT_ERASABLE.search(norm))
    keeps_after = bool(_NOT_DELETED_AFTER.search(norm))
    legal_periods = bool(_LEGAL_PERIODS.search(norm) and _LEGAL.search(norm))
    until = _UNTIL.search(norm) if keep and not on_request else None
    event = ""
    if until and not period:
        event = "until " + until["event"].strip()
    elif delete and not period and not keeps_after and _WHEN.search(norm[: delete.start()]):
        # "Once information is reviewed, it is discarded": deleted on an event.
        event = norm[: delete.end()].rstrip(" ,")
    if keep and not delete and NEGATION.search(norm[: keep.start()]) and not keeps_after:
        return None  # "will not be stored on our servers": a promise not to keep at all
    if period and not (keep or delete):
        return None
    if not (
        period or on_request or indefinite or not_erasable or keeps_after or event or legal_periods
    ):
        return None
    anchor = next((name for name, pattern in _ANCHORS if pattern.search(norm)), "collected")
    return Statement(
        sentence=sentence,
        scope=scope,
        period=period.duration if period else None,
        period_words=period.words if period else "",
        legal=bool(_LEGAL.search(norm)),
        at_least=bool(_MINIMUM.search(norm)),
        anchor=anchor,
        keeps_after=keeps_after,
        on_request=on_request,
        indefinite=indefinite,
        not_erasable=not_erasable,
        event=event,
        legal_periods=legal_periods,
    )


def read_retention(document: Document, categories: list[CategoryFinding]) -> RetentionFindings:
    sentences = document.sentences
    result = RetentionFindings()
    statements: list[Statement] = []
    for i, sentence in enumerate(sentences):
        if sentence.kind in ("heading", "row") or explains_rights(sentence):
            continue
        if about_cookies(sentence, sentences[i - 1] if i else None):
            continue
        if _FISCAL.search(sentence.norm):
            _schedule(sentence, categories, result)
            continue
        previous = statements[-1] if statements else None
        statement = _statement(sentence, _scope(sentence, categories, previous))
        if statement is not None:
            statements.append(statement)
    result.statements = tuple(statements)
    keys = [f.kind.key for f in categories]
    for key in keys:
        own = [s for s in statements if s.scope == key]
        general = [s for s in statements if s.scope == "general"]
        if own:
            result.rules[key] = _merge(own)
        elif general:
            result.rules[key] = _merge(general)
            result.rules[key].general = True
    return result


def _schedule(
    sentence: Sentence, categories: list[CategoryFinding], result: RetentionFindings
) -> None:
    match = _DAY_MONTH.search(sentence.norm)
    if match:
        month_name = match["m1"] or match["m2"]
        day = int(match["d1"] or match["d2"])
        month = [m.lower() for m in calendar.month_name].index(month_name)
        try:
            end = FiscalYearEnd.parse(f"{month:02d}-{day:02d}")
        except ValueError:
            result.fiscal_year_end = Fact.of(None, [sentence], "the date given is not a day")
        else:
            result.fiscal_year_end = Fact.of(end, [sentence])
    else:
        result.fiscal_year_end = Fact.of(None, [sentence], "no date is given for the year end")
    grace = _GRACE.search(sentence.norm)
    found = periods(grace["n"]) if grace else []
    if found:
        result.grace = Fact.of(found[0].duration, [sentence])
    for finding in categories:
        if finding.kind.trigger.search(sentence.norm):
            result.schedule_scope = finding.kind.key
            break


def _merge(statements: list[Statement]) -> Rule:
    rule = Rule()
    first_period: Statement | None = None
    for statement in statements:
        rule.evidence.append(statement.sentence)
        if statement.period is not None:
            if first_period is not None and statement.period != first_period.period:
                rule.conflicts.append(
                    f"{first_period.period_words} ({first_period.sentence.start}-"
                    f"{first_period.sentence.end}) and {statement.period_words} "
                    f"({statement.sentence.start}-{statement.sentence.end})"
                )
                continue
            first_period = first_period or statement
            if statement.legal or statement.at_least:
                rule.minimum = statement.period
            if not statement.at_least:
                rule.maximum = statement.period
            if statement.anchor != "collected":
                rule.anchor = statement.anchor
        rule.legal = rule.legal or statement.legal
        if statement.keeps_after:
            # "Stored for three years ... not deleted after this period": three years at least.
            rule.minimum = rule.minimum or rule.maximum
            rule.maximum = None
        if statement.on_request:
            rule.on_request = True
            rule.maximum = None
        if statement.indefinite:
            rule.indefinite = True
        if statement.not_erasable:
            rule.erasable_on_request = False
        if statement.event:
            rule.events.append(statement.event)
        if statement.legal_periods and statement.period is None:
            rule.legal_unnumbered = True
    if rule.minimum is not None and rule.minimum == rule.maximum and rule.legal:
        # Kept for a legal duty for the whole time it exists: no request can shorten it.
        rule.erasable_on_request = False
    rule.evidence = list(unique(rule.evidence))
    return rule
