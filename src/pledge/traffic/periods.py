"""Which key protects a log line, and when that key is destroyed.

Raw lines are grouped into periods, each encrypted under its own data key from the vault, so
that expiry is one key shred per period. The period is chosen so that every line in it falls
due on the same day: under a fiscal-year schedule (alps: five years, then deleted after the
next 31 March) it is the fiscal year, counted as the retention calendar counts it, so a line
from exactly 00:00 on 1 April belongs to the year that closes at that instant; without one it
is the local day. A period's due date is the deadline of its latest possible line.

Labels: ``fy2016-03-31`` (the fiscal year ending on 31 March 2016), ``day-2015-05-17``; a
day's visit salt is ``salt-2015-05-17``, so no label of one kind can name a key of another.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from pledge.policy import Policy
from pledge.policy.calendar import deadline
from pledge.policy.schema import Category, Retention

FISCAL, DAY, SALT = "fy", "day-", "salt-"


class NoLogCategory(LookupError):
    """The policy keeps no web server logs, so there is no period to put a line in."""


def log_category(policy: Policy) -> Category:
    category = policy.category(policy.web_logs.category or "") if policy.web_logs.keep else None
    if category is None:
        raise NoLogCategory(f"the policy {policy.id!r} keeps no web server logs")
    return category


def _rule(policy: Policy) -> Retention:
    return log_category(policy).retention


def _zone(policy: Policy) -> ZoneInfo:
    return ZoneInfo(policy.time_zone)


def _close_label(close: dt.datetime, zone: ZoneInfo) -> str:
    """A fiscal year's label: its last day (the close is the midnight that ends it)."""
    last_day = close.astimezone(zone).date() - dt.timedelta(days=1)
    return f"{FISCAL}{last_day.isoformat()}"


def period_of(instant: dt.datetime, policy: Policy) -> str:
    """The period of one line collected at ``instant``."""
    zone, fiscal = _zone(policy), _rule(policy).schedule.after_fiscal_year_end
    if fiscal is None:
        return f"{DAY}{instant.astimezone(zone).date().isoformat()}"
    return _close_label(fiscal.first_close_at_or_after(instant, zone), zone)


def periods_of(times: pl.Series, policy: Policy) -> pl.Series:
    """``period_of`` for a column of UTC times, vectorised: one search among yearly closes."""
    zone, fiscal = _zone(policy), _rule(policy).schedule.after_fiscal_year_end
    if fiscal is None:
        days = times.dt.convert_time_zone(policy.time_zone).dt.date().dt.to_string("%Y-%m-%d")
        return (DAY + days).alias("period")
    low, high = times.min(), times.max()
    if low is None or high is None:
        return pl.Series("period", [], dtype=pl.String)
    assert isinstance(low, dt.datetime) and isinstance(high, dt.datetime)
    first = fiscal.first_close_at_or_after(low, zone)
    closes = [first]
    while closes[-1] < high:
        closes.append(fiscal.first_close_at_or_after(closes[-1] + dt.timedelta(seconds=1), zone))
    boundaries = pl.Series([c.astimezone(dt.UTC) for c in closes], dtype=times.dtype)
    labels = pl.Series([_close_label(c, zone) for c in closes])
    return labels.gather(boundaries.search_sorted(times, side="left")).alias("period")


def period_end(period: str, policy: Policy) -> dt.datetime:
    """The latest instant a line of ``period`` can have been collected at (UTC)."""
    zone = _zone(policy)
    if period.startswith(FISCAL):
        last_day = dt.date.fromisoformat(period.removeprefix(FISCAL))
        fiscal = _rule(policy).schedule.after_fiscal_year_end
        assert fiscal is not None
        # The close itself belongs to the year (first_close_at_or_after is inclusive).
        noon = dt.datetime.combine(last_day, dt.time(12), tzinfo=zone)
        return fiscal.first_close_at_or_after(noon, zone).astimezone(dt.UTC)
    if period.startswith(DAY):
        day = dt.date.fromisoformat(period.removeprefix(DAY))
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return midnight.astimezone(dt.UTC) - dt.timedelta(microseconds=1)
    raise ValueError(f"{period!r} is not a log period")


def period_due(period: str, policy: Policy) -> dt.datetime | None:
    """When every line of ``period`` must be gone: the deadline of its latest possible line."""
    return deadline(period_end(period, policy), _rule(policy), policy.time_zone).due_at


def salt_period(day: dt.date) -> str:
    return f"{SALT}{day.isoformat()}"
