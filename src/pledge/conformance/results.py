"""What a check says: kept, broken or not applicable, and the evidence for it.

A result is meant to be read by someone who did not run the check: its summary says what was
found in a sentence, each piece of evidence says where (a URL, a table and row, a file), and
``gaps`` say what could not be looked at and why, so a partial look never reads as a full one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """A check's verdict. ``error``: it could not finish, which fails a run as ``broken`` does,
    since a promise nobody could check is not a promise shown to hold."""

    KEPT = "kept"
    BROKEN = "broken"
    ERROR = "error"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation: what was seen, and where it can be seen again."""

    text: str
    where: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "where": self.where}


@dataclass(frozen=True, slots=True)
class Result:
    """One check's verdict on one promise of the policy."""

    check: str
    title: str
    promise: str
    clauses: tuple[str, ...]
    status: Status
    summary: str
    evidence: tuple[Evidence, ...] = ()
    gaps: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Kept, or not applicable to this policy or site (with the reason in the summary)."""
        return self.status in (Status.KEPT, Status.NOT_APPLICABLE)

    def as_dict(self) -> dict[str, object]:
        return {
            "check": self.check,
            "title": self.title,
            "promise": self.promise,
            "clauses": list(self.clauses),
            "status": self.status.value,
            "summary": self.summary,
            "evidence": [e.as_dict() for e in self.evidence],
            "gaps": list(self.gaps),
        }


def grouped(evidence: list[Evidence], shown: int = 3) -> list[Evidence]:
    """The same observation made in many places, said once with its places.

    A cookie set wrongly on every page is one finding seen forty times; the reader needs the
    finding and where to see it, not forty identical lines.
    """
    places: dict[str, list[str]] = {}
    for item in evidence:
        places.setdefault(item.text, [])
        if item.where and item.where not in places[item.text]:
            places[item.text].append(item.where)
    merged = []
    for text, where in places.items():
        more = len(where) - shown
        listed = ", ".join(where[:shown]) + (f" and {more} more" if more > 0 else "")
        merged.append(Evidence(text, listed))
    return merged


@dataclass(slots=True)
class Verdict:
    """What a check's ``run`` returns; the check adds its id, title, promise and clauses."""

    status: Status
    summary: str
    evidence: list[Evidence] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @classmethod
    def kept(
        cls, summary: str, evidence: list[Evidence] | None = None, gaps: list[str] | None = None
    ) -> Verdict:
        return cls(Status.KEPT, summary, evidence or [], gaps or [])

    @classmethod
    def broken(
        cls, summary: str, evidence: list[Evidence] | None = None, gaps: list[str] | None = None
    ) -> Verdict:
        return cls(Status.BROKEN, summary, evidence or [], gaps or [])

    @classmethod
    def not_applicable(cls, reason: str) -> Verdict:
        return cls(Status.NOT_APPLICABLE, reason)

    @classmethod
    def error(cls, reason: str) -> Verdict:
        return cls(Status.ERROR, reason)
