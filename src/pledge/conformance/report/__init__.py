"""The report of a run: every result and clause verdict, and the record they rest on.

Rendered three ways from the same ``Report``: a terminal table (``terminal``), JSON
(``data``) and a self-contained HTML page (``page``) an operator can hand to an auditor.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from pledge.conformance.clauses import ClauseVerdict
from pledge.conformance.record import Visit
from pledge.conformance.results import Result, Status


@dataclass(frozen=True, slots=True)
class PolicyInfo:
    id: str
    title: str
    path: str
    sha256: str
    effective: str


@dataclass
class Report:
    url: str
    policy: PolicyInfo
    started_at: dt.datetime
    finished_at: dt.datetime
    stores: bool
    results: list[Result]
    clauses: list[ClauseVerdict]
    visit: Visit | None
    strict: bool = False
    notes: list[str] = field(default_factory=list)

    def counts(self) -> Counter[Status]:
        return Counter(r.status for r in self.results)

    @property
    def gaps(self) -> int:
        return sum(len(r.gaps) for r in self.results)

    @property
    def ok(self) -> bool:
        """Every check kept or not applicable; with ``strict``, kept with nothing unchecked."""
        if self.strict:
            return all(r.status is Status.KEPT and not r.gaps for r in self.results)
        return all(r.passed for r in self.results)

    @property
    def exit_status(self) -> int:
        return 0 if self.ok else 1

    def verdict_words(self) -> str:
        counts = self.counts()
        parts = [f"{counts[s]} {s.value}" for s in Status if counts[s]]
        outcome = "every promise checked holds" if self.ok else "PROMISES BROKEN"
        if self.ok and counts[Status.NOT_APPLICABLE]:
            outcome += " (see the reasons for those not applicable)"
        return f"{outcome}: {', '.join(parts)}"
