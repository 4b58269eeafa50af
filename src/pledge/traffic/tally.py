"""Counting a run's lines per day and group, and handing the database only what changed.

For each (day, dimension, value) the tally keeps views and the distinct visitor hashes seen, in
memory only. At a checkpoint it gives the increase since the last checkpoint (views, and
visitors as distinct counts), which is added to ``DailyCount`` rows: adding, never replacing,
is what lets a live server and an import count the same day at once. Days the stream has left
behind (ended more than ``SETTLE`` before the latest line seen) are forgotten once written, so
memory follows the days being counted, not the size of the file.

Groups are 64-bit keys, a hash of the value under a seed per dimension, computed once per
distinct value; names come back only for the rows written. Distinct visitors are counted as
they arrive: for each day the tally keeps a sorted array of the (group, visitor) pairs it has
seen (one 64-bit hash each), finds a batch's new pairs by binary search, and adds those to the
groups' counts. What a visitor is decides how little has to be kept: an address and a browser
string, so their browser, device class and country are fixed for the day and counted once, when
the visitor is first seen; only pages, referring sites and status classes, which vary within a
visit, need pairs.

Facts are buffered and counted a batch at a time (``BATCH`` lines): the work is a few dozen
frame operations whatever the batch's size, so larger batches cost less per line.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from pledge.traffic.models import Dimension

SETTLE = dt.timedelta(hours=2)  # how far out of order lines may arrive and still count exactly
BATCH = 50_000

# The key columns of a fact, by dimension.
PAIRED = {Dimension.PAGE: "page_k", Dimension.REFERRER: "referrer_k",
          Dimension.STATUS: "status_k"}  # fmt: skip
PER_VISITOR = {Dimension.BROWSER: "browser_k", Dimension.DEVICE: "device_k",
               Dimension.COUNTRY: "country_k"}  # fmt: skip
FACTS = ["day", "visitor", "bot_k", *PAIRED.values(), *PER_VISITOR.values()]
_SEEDS = {dimension: 0x9E3779B97F4A7C15 + i for i, dimension in enumerate(Dimension)}

_COUNT = {"day": pl.Date, "key": pl.UInt64, "n": pl.UInt64}
NAMES = {"key": pl.UInt64, "dimension": pl.String, "value": pl.String}
_WRITTEN = {"day": pl.Date, "key": pl.UInt64, "views": pl.UInt64, "visitors": pl.UInt64}


def key(dimension: Dimension, value: pl.Expr) -> pl.Expr:
    """The 64-bit key of a group: its value hashed under the dimension's seed."""
    return value.hash(_SEEDS[dimension])


def names(dimension: Dimension, values: pl.Series) -> pl.DataFrame:
    """The dictionary rows (key, dimension, value) of some values of one dimension."""
    return (
        values.unique()
        .to_frame("value")
        .select(
            key(dimension, pl.col("value")).alias("key"),
            pl.lit(dimension.value).alias("dimension"),
            pl.col("value"),
        )
    )


_SITE = names(Dimension.SITE, pl.Series(["human", "bot"]))
HUMAN_K, BOT_K = (_SITE.filter(pl.col("value") == v)["key"][0] for v in ("human", "bot"))


def _n() -> pl.Expr:
    return pl.len().cast(pl.UInt64).alias("n")


def _first_seen(state: pl.Series | None, batch: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """The rows of ``batch`` whose ``seen`` hash is not in the sorted ``state`` yet (each
    once), and the state with them added, still sorted."""
    batch = batch.unique(subset="seen")
    if state is not None and len(state):
        at = state.search_sorted(batch["seen"]).clip(0, len(state) - 1)
        batch = batch.filter(state.gather(at) != batch["seen"])
        state = pl.concat([state, batch["seen"]]).sort()
    else:
        state = batch["seen"].sort()
    return state, batch


class Tally:
    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self.latest: dt.datetime | None = None
        self.forgotten: set[dt.date] = set()
        self.reopened: set[dt.date] = set()  # came back after being forgotten
        self._buffer: list[pl.DataFrame] = []
        self._buffered = 0
        self._days: set[dt.date] = set()
        self._views = pl.DataFrame(schema=_COUNT)
        self._visitors = pl.DataFrame(schema=_COUNT)
        # What has been seen, per day: sorted hashes of (group, visitor) pairs by dimension,
        # and of visitors (people, bots).
        self._seen: dict[tuple[dt.date, str], pl.Series] = {}
        self._names: list[pl.DataFrame] = [_SITE]
        self._written = pl.DataFrame(schema=_WRITTEN)

    def add(self, facts: pl.DataFrame, groups: pl.DataFrame, latest: dt.datetime | None) -> None:
        """Count ``facts`` (columns ``FACTS``; ``bot_k`` null for a person) whose group keys
        ``groups`` names (``NAMES``).

        People count in ``site=human`` and every other dimension; bots only in ``site=bot``
        and ``bot=<name>``, so bots never swell a page's views or a country's visitors.
        """
        if latest is not None and (self.latest is None or latest > self.latest):
            self.latest = latest
        if facts.height == 0:
            return
        days = set(facts["day"].unique().to_list())
        self._days |= days
        if self.forgotten:
            self.reopened |= self.forgotten & days
        self._buffer.append(facts)
        self._names.append(groups)
        self._buffered += facts.height
        if self._buffered >= BATCH:
            self._count()

    def _count(self) -> None:
        """Count the buffered facts into the state."""
        if not self._buffer:
            return
        facts = pl.concat(self._buffer)
        self._buffer, self._buffered = [], 0
        humans = facts.filter(pl.col("bot_k").is_null())
        bots = facts.filter(pl.col("bot_k").is_not_null())
        views = [
            self._views,
            humans.group_by("day").agg(_n()).with_columns(key=pl.lit(HUMAN_K, pl.UInt64)),
            bots.group_by("day").agg(_n()).with_columns(key=pl.lit(BOT_K, pl.UInt64)),
            bots.group_by("day", pl.col("bot_k").alias("key")).agg(_n()),
            *(humans.group_by("day", pl.col(c).alias("key")).agg(_n())
              for c in (*PAIRED.values(), *PER_VISITOR.values())),
        ]  # fmt: skip
        self._views = (
            pl.concat([v.select(list(_COUNT)).cast(_COUNT) for v in views])  # type: ignore[arg-type]
            .group_by("day", "key")
            .agg(pl.col("n").sum())
        )
        visitors = [self._visitors]
        for (day,), rows in facts.partition_by("day", as_dict=True).items():
            visitors += self._first_visits(day, rows)
        self._visitors = (
            pl.concat([v.select(list(_COUNT)).cast(_COUNT) for v in visitors])  # type: ignore[arg-type]
            .group_by("day", "key")
            .agg(pl.col("n").sum())
        )
        self._names = [pl.concat(self._names).unique(subset="key")]

    def days(self) -> set[dt.date]:
        return set(self._days)

    def settled_before(self) -> dt.date | None:
        """Days before this one are complete: the stream is well past their end."""
        if self.latest is None:
            return None
        return (self.latest - SETTLE).astimezone(self.zone).date()

    def has_settled(self) -> bool:
        settled = self.settled_before()
        return settled is not None and any(d < settled for d in self._days)

    def _first_visits(self, day: dt.date, rows: pl.DataFrame) -> list[pl.DataFrame]:
        """Counts (key, n) of the visitors ``rows`` bring to each group for the first time."""
        counted = []
        people = rows.filter(pl.col("bot_k").is_null())
        for column in PAIRED.values():
            pairs = people.select(
                pl.col(column).alias("key"), pl.struct(column, "visitor").hash(7).alias("seen")
            )
            self._seen[(day, column)], new = _first_seen(self._seen.get((day, column)), pairs)
            counted.append(new.group_by("key").agg(_n()))
        self._seen[(day, "people")], new = _first_seen(
            self._seen.get((day, "people")),
            people.select(*PER_VISITOR.values(), pl.col("visitor").alias("seen")),
        )
        counted.append(pl.DataFrame({"key": [HUMAN_K], "n": [new.height]}))
        counted += [new.group_by(pl.col(c).alias("key")).agg(_n()) for c in PER_VISITOR.values()]
        bots = rows.filter(pl.col("bot_k").is_not_null())
        self._seen[(day, "bots")], new = _first_seen(
            self._seen.get((day, "bots")), bots.select("bot_k", pl.col("visitor").alias("seen"))
        )
        counted.append(pl.DataFrame({"key": [BOT_K], "n": [new.height]}))
        counted.append(new.group_by(pl.col("bot_k").alias("key")).agg(_n()))
        return [c.with_columns(day=pl.lit(day)) for c in counted]

    def increase(self) -> pl.DataFrame:
        """(day, dimension, value, views, visitors, key) added since the last ``written``."""
        self._count()
        totals = self._views.rename({"n": "views"}).join(
            self._visitors.rename({"n": "visitors"}), on=["day", "key"], how="left"
        )
        joined = totals.join(self._written, on=["day", "key"], how="left", suffix="_written")
        increase = joined.select(
            "day",
            "key",
            (pl.col("views") - pl.col("views_written").fill_null(0)).alias("views"),
            (pl.col("visitors").fill_null(0) - pl.col("visitors_written").fill_null(0)).alias(
                "visitors"
            ),
        ).filter((pl.col("views") > 0) | (pl.col("visitors") > 0))
        return increase.join(self._names[0], on="key", how="left").select(
            "day", "dimension", "value", "views", "visitors", "key"
        )

    def written(self, increase: pl.DataFrame) -> None:
        """The database now holds ``increase``: remember it, and forget settled days."""
        self._written = (
            pl.concat([self._written, increase.select(list(_WRITTEN))])
            .group_by("day", "key")
            .agg(pl.col("views").sum(), pl.col("visitors").sum())
        )
        settled = self.settled_before()
        if settled is None:
            return
        gone = {d for d in self._days if d < settled}
        if not gone:
            return
        self.forgotten |= gone
        self._days -= gone
        keep = pl.col("day") >= settled
        self._views = self._views.filter(keep)
        self._visitors = self._visitors.filter(keep)
        self._seen = {k: v for k, v in self._seen.items() if k[0] >= settled}
        self._written = self._written.filter(keep)
        kept_keys = self._views.select("key").unique()
        self._names = [pl.concat([_SITE, self._names[0].join(kept_keys, on="key", how="semi")])
                       .unique(subset="key")]  # fmt: skip
