"""Counting a day again from its raw lines (policies that keep logs).

Adding counts run by run is exact for views but not for visitors: a visitor seen by two runs
(a day split across a rotated log and its successor) would be counted by each. Where the raw
lines are kept they are the whole truth of a day, so such a day is recounted from them and its
rows replaced.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from pledge.policy import Policy
from pledge.traffic import classify, counts, store
from pledge.traffic.models import FileKind, LogFile
from pledge.traffic.tally import FACTS, Tally
from pledge.traffic.visitors import Salts, traffic_category, visitor_ids

COLUMNS = ["time", "ip", "method", "target", "status", "referrer", "user_agent"]


def day_bounds(day: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants [start, end) of a local day."""
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def raw_frame(start: dt.datetime, end: dt.datetime, *, category: str) -> pl.DataFrame:
    """The committed raw lines with a time in [start, end), decrypted."""
    files = LogFile.objects.filter(
        kind=FileKind.RAW, category=category, first_at__lt=end, last_at__gte=start
    )
    parts = []
    for path, period in files.values_list("path", "period"):
        table = store.read(
            path,
            category=category,
            period=period,
            columns=COLUMNS,
            filters=[("time", ">=", start), ("time", "<", end)],
        )
        if table is not None and table.num_rows:
            parts.append(pl.from_arrow(table))
    if not parts:
        return pl.DataFrame(schema={c: store.RAW_SCHEMA.field(c).type for c in COLUMNS})
    return pl.concat(parts)  # type: ignore[return-value]


def day_recount(
    day: dt.date, *, policy: Policy, now: dt.datetime, classifier: classify.Classifier
) -> int:
    """Replace ``day``'s counts by a count of its raw lines; how many rows it has now."""
    start, end = day_bounds(day, policy.time_zone)
    frame = raw_frame(start, end, category=traffic_category(policy)).rename({"user_agent": "agent"})
    derived, groups = classify.derive(frame, classifier, policy.time_zone)
    derived = visitor_ids(derived.filter(pl.col("valid")), Salts(policy, now=now))
    tally = Tally(policy.time_zone)
    tally.add(derived.filter(pl.col("visitor").is_not_null()).select(FACTS), groups, latest=None)
    return counts.counts_replace(day, tally.increase())
