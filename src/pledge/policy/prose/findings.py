"""Everything one import found, field by field: what the draft and the summary are made from."""

from __future__ import annotations

from dataclasses import dataclass, field

from pledge.policy.prose.cookies import CookieFindings
from pledge.policy.prose.data import CategoryFinding
from pledge.policy.prose.facts import NOT_STATED, Contradiction, Fact
from pledge.policy.prose.retention import RetentionFindings
from pledge.policy.prose.sharing import SharingFindings
from pledge.policy.prose.text import Sentence


@dataclass(slots=True)
class Findings:
    """Filled by the readers in turn; each reader also reports the contradictions it sees."""

    title: Fact = NOT_STATED
    summary: Fact = NOT_STATED
    updated: Fact = NOT_STATED
    controller: Fact = NOT_STATED
    email: Fact = NOT_STATED
    addresses: tuple[str, ...] = ()
    jurisdiction: Fact = NOT_STATED
    frameworks: Fact = NOT_STATED
    original_law: Fact = NOT_STATED
    categories: tuple[CategoryFinding, ...] = ()
    purposes_listed: tuple[Sentence, ...] = ()  # the items of a list of purposes
    cookies: CookieFindings = field(default_factory=CookieFindings)
    retention: RetentionFindings = field(default_factory=RetentionFindings)
    sharing: SharingFindings = field(default_factory=SharingFindings)
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
