"""Counting a run's lines per day and group, and handing the database only what changed.

For each (day, dimension, value) the tally keeps views and the distinct visitor hashes seen, in
memory only. At a checkpoint it gives the increase since the last checkpoint (views, and
visitors as distinct counts), which is added to ``DailyCount`` rows: adding, never replacing,
is what lets a live server and an import count the same day at once. Days the stream has left
behind (ended more than ``SETTLE`` before the latest line seen) are forgotten once written, so
memory follows the days being counted, not the size of the file.

Groups are 64-bit keys, a hash of the value under a seed per dimension, computed once per
distinct value; names come back only for the rows written. And what a visitor is decides how
little has to be kept: a visitor is an address and a browser string, so their browser, device
class and country are fixed for the day and one row per visitor carries them; only pages,
referring sites and status classes, which vary within a visit, are kept as (day, group,
visitor) pairs.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from pledge.traffic.models import Dimension

SETTLE = dt.timedelta(hours=2)  # how far out of order lines may arrive and still count exactly

# The key columns of a fact, by dimension.
PAIRED = {Dimension.PAGE: "page_k", Dimension.REFERRER: "referrer_k",
          Dimension.STATUS: "status_k"}  # fmt: skip
PER_VISITOR = {Dimension.BROWSER: "browser_k", Dimension.DEVICE: "device_k",
               Dimension.COUNTRY: "country_k"}  # fmt: skip
FACTS = ["day", "visitor", "bot_k", *PAIRED.values(), *PER_VISITOR.values()]
_SEEDS = {dimension: 0x9E3779B97F4A7C15 + i for i, dimension in enumerate(Dimension)}

_COUNT = {"day": pl.Date, "key": pl.UInt64, "n": pl.UInt64}
_PAIRS = {"day": pl.Date, "key": pl.UInt64, "visitor": pl.UInt64}
_PEOPLE = {"day": pl.Date, "visitor": pl.UInt64, **{c: pl.UInt64 for c in PER_VISITOR.values()}}
_BOTS = {"day": pl.Date, "visitor": pl.UInt64, "bot_k": pl.UInt64}
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


class Tally:
    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self.latest: dt.datetime | None = None
        self.forgotten: set[dt.date] = set()
        self.reopened: set[dt.date] = set()  # came back after being forgotten
        self._views = pl.DataFrame(schema=_COUNT)
        self._pairs = pl.DataFrame(schema=_PAIRS)
        self._people = pl.DataFrame(schema=_PEOPLE)
        self._bots = pl.DataFrame(schema=_BOTS)
        self._names = _SITE
        self._written = pl.DataFrame(schema=_WRITTEN)
        self._compacted_at = 0

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
        if self.forgotten:
            self.reopened |= self.forgotten & set(facts["day"].unique().to_list())
        humans = facts.filter(pl.col("bot_k").is_null())
        bots = facts.filter(pl.col("bot_k").is_not_null())
        n = pl.len().cast(pl.UInt64).alias("n")
        views = [
            humans.group_by("day").agg(n).with_columns(key=pl.lit(HUMAN_K, pl.UInt64)),
            bots.group_by("day").agg(n).with_columns(key=pl.lit(BOT_K, pl.UInt64)),
            bots.group_by("day", pl.col("bot_k").alias("key")).agg(n),
        ]
        views += [
            humans.group_by("day", pl.col(c).alias("key")).agg(n)
            for c in (*PAIRED.values(), *PER_VISITOR.values())
        ]
        counted = (v.select(list(_COUNT)).cast(_COUNT) for v in views)  # type: ignore[arg-type]
        self._views = pl.concat([self._views, *counted])
        self._pairs = pl.concat(
            [self._pairs]
            + [humans.select("day", pl.col(c).alias("key"), "visitor").unique()
               for c in PAIRED.values()]
        )  # fmt: skip
        self._people = pl.concat(
            [self._people, humans.select(list(_PEOPLE)).unique(subset=["day", "visitor"])]
        )
        self._bots = pl.concat(
            [self._bots, bots.select(list(_BOTS)).unique(subset=["day", "visitor"])]
        )
        self._names = pl.concat([self._names, groups]).unique(subset="key")
        if self._pairs.height > 2 * self._compacted_at + 1_000_000:
            self._compact()

    def _compact(self) -> None:
        self._views = self._views.group_by("day", "key").agg(pl.col("n").sum())
        self._pairs = self._pairs.unique()
        self._people = self._people.unique(subset=["day", "visitor"])
        self._bots = self._bots.unique(subset=["day", "visitor"])
        self._compacted_at = self._pairs.height

    def days(self) -> set[dt.date]:
        return set(self._views["day"].unique().to_list())

    def settled_before(self) -> dt.date | None:
        """Days before this one are complete: the stream is well past their end."""
        if self.latest is None:
            return None
        return (self.latest - SETTLE).astimezone(self.zone).date()

    def has_settled(self) -> bool:
        settled = self.settled_before()
        if settled is None or self._views.height == 0:
            return False
        oldest = self._views["day"].min()
        return isinstance(oldest, dt.date) and oldest < settled

    def _visitors(self) -> pl.DataFrame:
        """Distinct visitors per (day, key)."""
        n = pl.len().cast(pl.UInt64).alias("n")
        parts = [
            self._pairs.group_by("day", "key").agg(n),
            self._people.group_by("day").agg(n).with_columns(key=pl.lit(HUMAN_K, pl.UInt64)),
            self._bots.group_by("day").agg(n).with_columns(key=pl.lit(BOT_K, pl.UInt64)),
            self._bots.group_by("day", pl.col("bot_k").alias("key")).agg(n),
        ]
        parts += [
            self._people.group_by("day", pl.col(c).alias("key")).agg(n)
            for c in PER_VISITOR.values()
        ]
        return pl.concat([p.select(list(_COUNT)).cast(_COUNT) for p in parts])

    def increase(self) -> pl.DataFrame:
        """(day, dimension, value, views, visitors, key) added since the last ``written``."""
        self._compact()
        totals = self._views.rename({"n": "views"}).join(
            self._visitors().rename({"n": "visitors"}), on=["day", "key"], how="left"
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
        return increase.join(self._names, on="key", how="left").select(
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
        self.forgotten |= {d for d in self.days() if d < settled}
        keep = pl.col("day") >= settled
        self._views = self._views.filter(keep)
        self._pairs = self._pairs.filter(keep)
        self._people = self._people.filter(keep)
        self._bots = self._bots.filter(keep)
        self._written = self._written.filter(keep)
        self._names = pl.concat([_SITE, self._names.join(
            self._views.select("key").unique(), on="key", how="semi"
        )]).unique(subset="key")  # fmt: skip
