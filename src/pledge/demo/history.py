"""The span of time a demo fills: days, instants in the controller's zone, fiscal years."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pledge.policy import Policy


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for a 29th in a year without one)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True, slots=True)
class History:
    """``years`` years of days before ``end`` (the first day of the history to the day before
    ``end``), read in the policy's time zone: a day is a day of the business's calendar."""

    start: dt.date
    end: dt.date
    zone: ZoneInfo

    @classmethod
    def ending(cls, *, end: dt.date, years: int, policy: Policy) -> History:
        if years < 1:
            raise ValueError("a history is at least one year long")
        return cls(start=years_before(end, years), end=end, zone=ZoneInfo(policy.time_zone))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def each_day(self) -> Iterator[dt.date]:
        for offset in range(self.days):
            yield self.start + dt.timedelta(days=offset)

    def at(self, day: dt.date, seconds: float = 0.0) -> dt.datetime:
        """The instant ``seconds`` after local midnight of ``day`` (aware, in the zone)."""
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        return (midnight.astimezone(dt.UTC) + dt.timedelta(seconds=seconds)).astimezone(self.zone)

    @property
    def finish(self) -> dt.datetime:
        """Local midnight at the start of ``end``: nothing in the history is later."""
        return self.at(self.end)

    def share(self, day: dt.date) -> float:
        """How far into the history ``day`` is, from 0 to 1 (for growth over the years)."""
        return (day - self.start).days / max(self.days, 1)


def stream(seed: int, part: str) -> random.Random:
    """The random generator of one part of a demo (logs, story, mail...), from the seed.

    One per part, so that changing how one part is told leaves every other part's files as
    they were. Synthetic data, not secrets: a seeded generator is what makes it repeatable.
    """
    return random.Random(f"{seed}:{part}")  # noqa: S311
