"""A check: one promise of the policy, one job, one verdict with its evidence.

Like Django's system checks, each check is small and registered in a list; unlike them, each
names the promise it holds the site to (quoted from the policy where the policy words it) and
the clauses of the clause table (``docs/clauses.md``) it proves. Site checks read the record of
the visit; store checks read the server's stores. A check that raises is reported as an
``error`` naming the exception, never as kept.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from pledge.conformance.record import Visit
from pledge.conformance.results import Result, Status, Verdict, grouped
from pledge.policy import Policy


@dataclass(frozen=True)
class SiteContext:
    policy: Policy
    visit: Visit | None
    missing: str = ""  # why there is no visit to read, when there is none
    journey_skipped: str = ""  # why the synthetic customer's journey was not made, if it was not


@dataclass(frozen=True)
class StoreContext:
    policy: Policy
    now: dt.datetime
    data_dir: Path
    key_dir: Path
    visitor_addresses: tuple[str, ...] = ()  # the network addresses the visit came from


class Check[C: (SiteContext, StoreContext)](ABC):
    id: ClassVar[str]
    title: ClassVar[str]
    clauses: ClassVar[tuple[str, ...]] = ()

    def promise(self, policy: Policy) -> str:
        """What the site promises, in the policy's words where it has some."""
        return self.title

    def promise_of(self, policy: Policy) -> str:
        """``promise``, or the title where it cannot be worded: a report is still written."""
        try:
            return self.promise(policy)
        except Exception as exc:
            return f"{self.title} (the promise could not be worded: {type(exc).__name__}: {exc})"

    def not_applicable(self, context: C) -> str | None:
        """Why this check does not apply to this policy or site, or None when it does."""
        return None

    @abstractmethod
    def verdict(self, context: C) -> Verdict: ...

    def results(self, context: C) -> list[Result]:
        """Most checks give one result; a check of one promise per category gives several."""
        return [self.run(context)]

    def run(self, context: C) -> Result:
        try:
            reason = self.not_applicable(context)
            verdict = Verdict.not_applicable(reason) if reason else self.verdict(context)
        except Exception as exc:  # a crash is reported, never taken for a pass
            verdict = Verdict.error(f"the check could not finish: {type(exc).__name__}: {exc}")
        return Result(
            check=self.id,
            title=self.title,
            promise=self.promise_of(context.policy),
            clauses=self.clauses,
            status=verdict.status,
            summary=verdict.summary,
            evidence=tuple(grouped(verdict.evidence)),
            gaps=tuple(dict.fromkeys(verdict.gaps)),
        )


class SiteCheck(Check[SiteContext]):
    """A check of the visit. Without a visit it cannot say anything, and says so as an error."""

    def run(self, context: SiteContext) -> Result:
        if context.visit is None:
            return Result(
                check=self.id,
                title=self.title,
                promise=self.promise_of(context.policy),
                clauses=self.clauses,
                status=Status.ERROR,
                summary=f"the site was not visited: {context.missing}",
            )
        return super().run(context)

    @staticmethod
    def visit_of(context: SiteContext) -> Visit:
        assert context.visit is not None  # run() answers for a missing visit
        return context.visit


class StoreCheck(Check[StoreContext]):
    pass


SITE_CHECKS: list[type[SiteCheck]] = []
STORE_CHECKS: list[type[StoreCheck]] = []


def site_check[S: type[SiteCheck]](cls: S) -> S:
    SITE_CHECKS.append(cls)
    return cls


def store_check[T: type[StoreCheck]](cls: T) -> T:
    STORE_CHECKS.append(cls)
    return cls


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"
