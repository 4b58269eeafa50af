"""Retention deadlines: when a record may be erased, and when it must be gone.

Pure functions over aware datetimes. Calendar units (years, months, days) are added to the
*local date* in the controller's time zone, so "five years" from 29 February ends with 28 February
and a daylight-saving change never moves a deadline by an hour; hours are added as elapsed time.

Three rules keep every deadline monotone (a later record is never erasable or due earlier, which
the sweep and the per-period keys rely on) and never before its record:

- Where the target month lacks the day (29 February, 31 April), the period ends with the month:
  at the local midnight that ends its last day, as the corresponding-date rule of contract law
  has it. Keeping the time of day instead would end 31 January 01:00 + 1 month before
  28 January 23:00 + 1 month.
- A local time skipped by a clock change means the moment the clocks jumped; a repeated one
  means its first pass.
- A record made in the second pass of a repeated hour counts calendar units from the end of
  that hour, so it is not due before one made minutes earlier in the first pass.

Two dates matter for every record:

- ``erasable_at``: anchor plus the minimum keep. Before it, erasure is refused (a legal duty).
- ``due_at``: anchor plus the maximum keep, moved to the end of the first fiscal year ending on
  or after that instant plus a grace window where the rule has such a schedule. ``None`` when
  the data waits for a written request (``on_request``), or the anchor event has not happened.

``due_at`` is never before ``erasable_at``.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

if TYPE_CHECKING:
    from pydantic.json_schema import JsonSchemaValue

_UNIT_WORDS = {
    "y": "y", "year": "y", "years": "y",
    "m": "m", "month": "m", "months": "m",
    "w": "w", "week": "w", "weeks": "w",
    "d": "d", "day": "d", "days": "d",
    "h": "h", "hour": "h", "hours": "h",
    "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
}  # fmt: skip
_PART = re.compile(r"\s*(\d{1,5})\s*([a-z]+)\s*")
DURATION_PATTERN = r"^\s*(\d{1,5}\s*[a-z]+\s*)+$"
_MAX_PART = 99_999  # what five digits write, so every Duration prints as text that parses back
_HINT = (
    "write a number and a unit, e.g. '5y', '6 months', '30d', '48h' "
    "(units: years, months, weeks, days, hours, minutes, seconds; or y, m, w, d, h, min, s)"
)


@dataclass(frozen=True, slots=True)
class Duration:
    """A keep period in calendar units: '5y', '6 months', '30d', '48h', '1y 6m'."""

    years: int = 0
    months: int = 0
    days: int = 0
    hours: int = 0
    seconds: int = 0  # elapsed, like hours: short idle times ("15min", "30s")

    def __post_init__(self) -> None:
        # A negative or fractional part would put a deadline before its record or between
        # representable texts; refusing it here protects every caller, not only the parser.
        for name in ("years", "months", "days", "hours", "seconds"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= _MAX_PART:
                raise ValueError(
                    f"{name} of a duration must be a whole number from 0 to {_MAX_PART}, "
                    f"not {value!r}"
                )

    @classmethod
    def parse(cls, text: str) -> Duration:
        if not isinstance(text, str):
            raise ValueError(f"a duration is text, not {text!r}: {_HINT}")
        cleaned = text.strip().lower()
        if not cleaned or not re.fullmatch(DURATION_PATTERN, cleaned):
            raise ValueError(f"{text!r} is not a duration: {_HINT}")
        totals = {"y": 0, "m": 0, "w": 0, "d": 0, "h": 0, "min": 0, "s": 0}
        for number, unit in _PART.findall(cleaned):
            if unit not in _UNIT_WORDS:
                raise ValueError(f"{text!r}: unknown unit {unit!r} ({_HINT})")
            totals[_UNIT_WORDS[unit]] += int(number)
        seconds = totals["s"] + 60 * totals["min"]
        return cls(totals["y"], totals["m"], totals["d"] + 7 * totals["w"], totals["h"], seconds)

    def __str__(self) -> str:
        parts = [
            f"{n}{u}"
            for n, u in (
                (self.years, "y"),
                (self.months, "m"),
                (self.days, "d"),
                (self.hours, "h"),
                (self.seconds, "s"),
            )
            if n
        ]
        return " ".join(parts) or "0d"

    @property
    def is_zero(self) -> bool:
        return not (self.years or self.months or self.days or self.hours or self.seconds)

    def words(self) -> str:
        """The duration as a person would say it: 'five years', '48 hours'."""
        names = (("year", self.years), ("month", self.months), ("day", self.days))
        parts = [f"{_spell(n)} {u}{'s' if n != 1 else ''}" for u, n in names if n]
        if self.hours:
            parts.append(f"{_spell(self.hours)} hour{'s' if self.hours != 1 else ''}")
        if self.seconds:
            minutes, seconds = divmod(self.seconds, 60)
            if minutes:
                parts.append(f"{_spell(minutes)} minute{'s' if minutes != 1 else ''}")
            if seconds:
                parts.append(f"{_spell(seconds)} second{'s' if seconds != 1 else ''}")
        return " and ".join(parts) if parts else "no time at all"

    def approx_days(self) -> float:
        """For comparing two durations; never for computing a deadline."""
        return (
            self.years * 365.2425 + self.months * 30.436875 + self.days + self.hours / 24
            + self.seconds / 86400
        )  # fmt: skip

    def after(self, start: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        """``start`` plus this duration (in UTC): calendar units on the local date in ``zone``,
        then hours as elapsed time. See the module docstring for month ends and clock changes.
        """
        _require_aware(start, "start")
        begin = start.astimezone(dt.UTC)
        if not (self.years or self.months or self.days):
            # No wall clock involved: exactly the instant given, plus elapsed hours. (Going
            # through the wall time would lose the second pass of a repeated hour.)
            return begin + dt.timedelta(hours=self.hours, seconds=self.seconds)
        wall = _counted_wall(begin, zone)
        month_index = wall.month - 1 + self.months + 12 * self.years
        year = wall.year + month_index // 12
        month = month_index % 12 + 1
        last_day = _cal.monthrange(year, month)[1]
        if wall.day > last_day:
            # The month lacks the day: the period ends with the month, at the midnight that
            # ends its last day (never earlier than a record made days before would end).
            shifted = dt.datetime(year, month, last_day) + dt.timedelta(days=1)
        else:
            shifted = wall.replace(year=year, month=month)
        shifted += dt.timedelta(days=self.days)
        return _instant(shifted, zone) + dt.timedelta(hours=self.hours, seconds=self.seconds)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _duration_from_yaml,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": DURATION_PATTERN, "examples": ["5y", "30d", "48h"]}


def _require_aware(value: dt.datetime, name: str) -> None:
    """Refuse a naive time: ``astimezone`` would silently read it as the server's local time."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone), not {value!r}")


def _instant(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant (UTC) a naive local ``wall`` time in ``zone`` names.

    A repeated wall time means its first pass; a skipped one means the moment the clocks
    jumped. Both choices keep later wall times at later (or equal) instants; zoneinfo's own
    reading of a skipped time (the old offset) puts 01:30 an hour after the jump, after 02:10.
    """
    first = wall.replace(tzinfo=zone, fold=0)
    early = first.astimezone(dt.UTC)
    if early.astimezone(zone).replace(tzinfo=None) == wall:
        return early  # exists; fold=0 is the first pass where the time repeats
    # Skipped: fold=1 reads it with the new offset (an instant before the jump), fold=0 with
    # the old one (an instant after it); the jump lies between.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    return _offset_change(before, early, zone)


def _offset_change(before: dt.datetime, after: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant in (``before``, ``after``] with ``after``'s UTC offset in ``zone``.

    zoneinfo does not publish its transitions; a bisection to the microsecond takes about 35
    steps and runs only for times next to a clock change.
    """
    target = after.astimezone(zone).utcoffset()
    low, high = 0, (after - before) // dt.timedelta(microseconds=1)
    while high - low > 1:
        middle = (low + high) // 2
        probe = before + dt.timedelta(microseconds=middle)
        if probe.astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return before + dt.timedelta(microseconds=high)


def _counted_wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The naive local time calendar units count from.

    Normally the wall time of ``instant``. In the second pass of a repeated hour the wall clock
    runs back over times the first pass already used, so a record made there counts from the
    end of the repeated hour: a record made after another is never due before it.
    """
    local = instant.astimezone(zone)
    wall = local.replace(tzinfo=None, fold=0)
    if not local.fold:
        return wall
    first_pass = wall.replace(tzinfo=zone).astimezone(dt.UTC)
    if first_pass == instant:
        return wall  # not a repeated time after all
    # The clocks went back at ``change``; the wall clock reaches its old reading again once
    # the repeated span (the instants between the two passes) has run a second time.
    change = _offset_change(first_pass, instant, zone)
    end = change + (instant - first_pass)
    return end.astimezone(zone).replace(tzinfo=None, fold=0)


def _duration_from_yaml(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return Duration.parse(value)


_NUMBERS = (
    "zero", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip


def _spell(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


@dataclass(frozen=True, slots=True)
class FiscalYearEnd:
    """The last day of the fiscal year, 'MM-DD' (Japan: '03-31')."""

    month: int
    day: int

    @classmethod
    def parse(cls, text: Any) -> FiscalYearEnd:
        match = re.fullmatch(r"(\d{2})-(\d{2})", str(text).strip())
        if not match:
            raise ValueError(f"{text!r} is not a fiscal-year end: write 'MM-DD', e.g. '03-31'")
        month, day = int(match[1]), int(match[2])
        # 29 February is refused: a fiscal year that ends on a day most years lack has no
        # well-defined end, and no jurisdiction uses one.
        if not 1 <= month <= 12 or not 1 <= day <= _cal.monthrange(2001, month)[1]:
            raise ValueError(f"{text!r} is not a day of the year (MM-DD, 29 February excluded)")
        return cls(month, day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"

    def words(self) -> str:
        return f"{self.day} {_cal.month_name[self.month]}"

    def first_close_at_or_after(self, instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        """The first moment a fiscal year closes at or after ``instant``.

        A fiscal year closes at local midnight at the end of its last day; a record from any
        time on 31 March belongs to the year closing at the start of 1 April.
        """
        _require_aware(instant, "instant")
        local = instant.astimezone(zone)
        for year in (local.year, local.year + 1):
            # Local midnight after the last day; where a clock change skips that midnight,
            # the year closes when the clocks jump.
            midnight = dt.datetime(year, self.month, self.day) + dt.timedelta(days=1)
            close = _instant(midnight, zone)
            if close >= instant:
                return close
        raise AssertionError("unreachable: a fiscal year closes every year")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            lambda v: v if isinstance(v, FiscalYearEnd) else FiscalYearEnd.parse(v),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": r"^\d{2}-\d{2}$", "examples": ["03-31"]}


class RetentionRule(Protocol):
    """What the calendar needs of a retention rule (``pledge.policy.schema.Retention``)."""

    @property
    def minimum(self) -> Duration: ...
    @property
    def maximum(self) -> Duration | None: ...
    @property
    def on_request(self) -> bool: ...
    @property
    def schedule(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Deadline:
    erasable_at: dt.datetime
    due_at: dt.datetime | None

    def is_erasable(self, now: dt.datetime) -> bool:
        return now >= self.erasable_at

    def is_due(self, now: dt.datetime) -> bool:
        return self.due_at is not None and now >= self.due_at


def deadline(anchor: dt.datetime, rule: RetentionRule, zone: ZoneInfo | str) -> Deadline:
    """When a record anchored at ``anchor`` may be erased, and when it is due."""
    _require_aware(anchor, "anchor")
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    erasable = rule.minimum.after(anchor, zone)
    if rule.maximum is None:
        return Deadline(erasable_at=erasable, due_at=None)
    due = rule.maximum.after(anchor, zone)
    fiscal = rule.schedule.after_fiscal_year_end
    if fiscal is not None:
        due = fiscal.first_close_at_or_after(due, zone)
    due = rule.schedule.grace.after(due, zone)
    return Deadline(erasable_at=erasable, due_at=max(due, erasable))
