"""Reads of traffic: the report (counts, suppressed), and raw lines for a lawful disclosure.

Every report and export is built by ``traffic_report``, which reads the day counts and passes
them through ``suppression.suppress`` before anything is summed, so the terminal table, the
HTML report, the JSON export and the operator admin can never show a small group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
from django.conf import settings

from pledge.audit.services import audit_record
from pledge.traffic import store
from pledge.traffic.models import DailyCount, Dimension, FileKind, Ingest, LogFile
from pledge.traffic.suppression import SMALLER, suppress
from pledge.traffic.visitors import traffic_category
from pledge.vault.purposes import LEGAL_DISCLOSURE, purpose_check

BUCKETS = ("day", "week", "month")
DEFAULT_SPAN = {"day": 30, "week": 12, "month": 12}
TABLES = [Dimension.PAGE, Dimension.REFERRER, Dimension.BROWSER, Dimension.DEVICE,
          Dimension.COUNTRY, Dimension.STATUS, Dimension.BOT]  # fmt: skip


# --- calendar buckets --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bucket:
    start: dt.date
    end: dt.date  # exclusive

    def label(self, kind: str) -> str:
        if kind == "day":
            return self.start.isoformat()
        if kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"


def bucket_of(day: dt.date, kind: str) -> Bucket:
    """The fixed calendar bucket containing ``day``: the day, its ISO week, its month."""
    if kind == "day":
        return Bucket(day, day + dt.timedelta(days=1))
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Bucket(start, start + dt.timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return Bucket(start, following)
    raise ValueError(f"a bucket is one of {', '.join(BUCKETS)}, not {kind!r}")


def buckets_between(first: dt.date, last: dt.date, kind: str) -> list[Bucket]:
    """Every whole bucket from the one containing ``first`` to the one containing ``last``."""
    out, bucket = [], bucket_of(first, kind)
    end = bucket_of(last, kind).end
    while bucket.start < end:
        out.append(bucket)
        bucket = bucket_of(bucket.end, kind)
    return out


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    value: str
    views: int
    visitors: int


@dataclass(frozen=True, slots=True)
class Point:
    bucket: str
    views: int  # people
    visitors: int  # people: daily unique visitors, summed over the bucket's days
    bot_views: int


@dataclass(frozen=True)
class Report:
    kind: str
    first: dt.date
    last: dt.date  # inclusive
    minimum: int
    series: list[Point]
    tables: dict[str, list[Row]] = field(default_factory=dict)
    views: int = 0
    visitors: int = 0
    bot_views: int = 0
    policy: str = ""
    imports: int = 0

    def as_json(self) -> dict:
        return {
            "policy": self.policy,
            "bucket": self.kind,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "minimum_group_size": self.minimum,
            "views": self.views,
            "visitors": self.visitors,
            "bot_requests": self.bot_views,
            "series": [
                {"bucket": p.bucket, "views": p.views, "visitors": p.visitors,
                 "bot_requests": p.bot_views}
                for p in self.series
            ],
            "tables": {
                name: [{"value": r.value, "views": r.views, "visitors": r.visitors} for r in rows]
                for name, rows in self.tables.items()
            },
        }  # fmt: skip


def _day_cells(first: dt.date, last: dt.date) -> pl.DataFrame:
    rows = DailyCount.objects.filter(day__gte=first, day__lte=last).values_list(
        "day", "dimension", "value", "views", "visitors"
    )
    return pl.DataFrame(
        list(rows),
        schema={"day": pl.Date, "dimension": pl.String, "value": pl.String,
                "views": pl.Int64, "visitors": pl.Int64},
        orient="row",
    )  # fmt: skip


def data_span() -> tuple[dt.date, dt.date] | None:
    days = DailyCount.objects.order_by("day").values_list("day", flat=True)
    first, last = days.first(), days.last()
    return None if first is None or last is None else (first, last)


def traffic_report(
    *,
    kind: str = "day",
    first: dt.date | None = None,
    last: dt.date | None = None,
    top: int = 10,
) -> Report:
    """The traffic report over whole calendar buckets, with small groups suppressed.

    Without ``first``/``last``: the latest ``DEFAULT_SPAN`` buckets that have data. Given
    dates are widened to the buckets containing them.
    """
    policy = settings.POLICY
    minimum = policy.analytics.min_group_size
    span = data_span()
    if last is None:
        last = span[1] if span else dt.date.today()
    if first is None:
        first = last
        for _ in range(DEFAULT_SPAN[kind] - 1):
            first = bucket_of(first, kind).start - dt.timedelta(days=1)
        if span and span[0] > first:
            first = span[0]
    buckets = buckets_between(first, last, kind)
    first, last = buckets[0].start, buckets[-1].end - dt.timedelta(days=1)
    shown = suppress(_day_cells(first, last), minimum)
    labels = pl.DataFrame(
        {
            "day": [b.start + dt.timedelta(days=i) for b in buckets
                    for i in range((b.end - b.start).days)],
            "bucket": [b.label(kind) for b in buckets for _ in range((b.end - b.start).days)],
        },
        schema={"day": pl.Date, "bucket": pl.String},
    )  # fmt: skip
    site = shown.filter(pl.col("dimension") == Dimension.SITE.value).join(labels, on="day")
    series = []
    for bucket in buckets:
        label = bucket.label(kind)
        here = site.filter(pl.col("bucket") == label)
        human = here.filter(pl.col("value") == "human")
        bots = here.filter(pl.col("value") == "bot")
        series.append(
            Point(label, int(human["views"].sum()), int(human["visitors"].sum()),
                  int(bots["views"].sum()))
        )  # fmt: skip
    tables = {d.value: _table(shown, d, top) for d in TABLES}
    return Report(
        kind=kind,
        first=first,
        last=last,
        minimum=minimum,
        series=series,
        tables=tables,
        views=sum(p.views for p in series),
        visitors=sum(p.visitors for p in series),
        bot_views=sum(p.bot_views for p in series),
        policy=policy.id,
        imports=Ingest.objects.count(),
    )


def _table(shown: pl.DataFrame, dimension: Dimension, top: int) -> list[Row]:
    """The dimension's groups over the range, biggest first; beyond ``top``, and whatever was
    too small to show, one last row."""
    cells = shown.filter(pl.col("dimension") == dimension.value)
    summed = cells.group_by("value").agg(pl.col("views").sum(), pl.col("visitors").sum())
    named = summed.filter(pl.col("value") != SMALLER).sort(
        ["views", "visitors", "value"], descending=[True, True, False]
    )
    rows = [Row(v, int(n), int(u)) for v, n, u in named.head(top).iter_rows()]
    rest = pl.concat([named.slice(top), summed.filter(pl.col("value") == SMALLER)])
    if rest.height:
        rows.append(Row(SMALLER if top >= named.height else "(all others)",
                        int(rest["views"].sum()), int(rest["visitors"].sum())))  # fmt: skip
    return rows


# --- raw lines ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawLine:
    time: dt.datetime
    source: str
    line_number: int
    line: str


def raw_lines(
    *, ip: str, start: dt.datetime, end: dt.datetime, purpose: str = LEGAL_DISCLOSURE
) -> list[RawLine]:
    """The raw log lines from address ``ip`` with a time in [start, end), oldest first.

    Only the disclosure command calls this: the read names its purpose (checked against the
    policy, refused and audited if not allowed) and is itself an audit event. Nothing is found
    where the policy keeps no logs, or once a period's key is destroyed.
    """
    policy = settings.POLICY
    if not policy.web_logs.keep:
        return []
    category = traffic_category(policy)
    purpose_check(category=category, purpose=purpose, where=f"raw web server logs ({ip})")
    files = LogFile.objects.filter(
        kind=FileKind.RAW, category=category, first_at__lt=end, last_at__gte=start
    ).order_by("first_at")
    found = []
    for path, period in files.values_list("path", "period"):
        table = store.read(
            path,
            category=category,
            period=period,
            columns=["time", "source", "line_number", "line"],
            filters=[("time", ">=", start), ("time", "<", end), ("ip", "==", ip)],
        )
        if table is not None:
            found.extend(table.to_pylist())
    found.sort(key=lambda r: (r["time"], r["source"], r["line_number"]))
    audit_record(
        action="traffic.raw_lines_read",
        category=category,
        count=len(found),
        rule=purpose,
        detail={"from": start.isoformat(), "to": end.isoformat()},
    )
    return [RawLine(r["time"], r["source"], r["line_number"], r["line"]) for r in found]


def log_lines_for_ip(*, ip: str, start: dt.datetime, end: dt.datetime) -> list[str]:
    """The disclosure command's reader (``pledge disclose --ip``): the lines of ``raw_lines``
    as they were written, oldest first, read for the legal-disclosure purpose."""
    return [found.line for found in raw_lines(ip=ip, start=start, end=end)]
