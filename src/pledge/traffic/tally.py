"""Counting a run's lines per day and group, and handing the database only what changed.

For each (day, dimension, value) the tally counts views and distinct visitors, in memory only.
At a checkpoint it hands over what it counted since the last one, which is added to
``DailyCount`` rows: adding, never replacing, is what lets a live server and an import count
the same day at once. Days the stream has left behind (ended more than ``SETTLE`` before the
latest line seen) are forgotten once written, so memory follows the days being counted, not the
size of the file.

Groups are 64-bit keys, a hash of the value under a seed per dimension, computed once per
distinct value; names come back only for the rows written.

What a visitor is decides how little has to be kept: an address and a browser string, so their
browser, device class and country are fixed for the day. A batch of lines (``BATCH``) is
reduced at once to its visits, (day, visitor) with their lines and those fixed groups, and to
its (day, page | referring site | status class, visitor) pairs with their lines: a few group-bys
whatever the batch's size. These reductions wait, and are resolved together at a checkpoint (or
once they pass ``PENDING_ROWS``): views are their sums; a group's new visitors are the visits
and pairs not met before on that day. What was met is kept only for days still open, and only
once a day has been resolved, so a day counted between two checkpoints is the only one whose
visits and pairs stay in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import polars as pl

from pledge.traffic.background import Background
from pledge.traffic.models import Dimension

SETTLE = dt.timedelta(hours=2)  # how far out of order lines may arrive and still count exactly
BATCH = 25_000
PENDING_ROWS = 60_000  # reductions waiting to be resolved (about 40 bytes a row)

# The key columns of a fact, by dimension.
PAIRED = {Dimension.PAGE: "page_k", Dimension.REFERRER: "referrer_k",
          Dimension.STATUS: "status_k"}  # fmt: skip
PER_VISITOR = {Dimension.BROWSER: "browser_k", Dimension.DEVICE: "device_k",
               Dimension.COUNTRY: "country_k"}  # fmt: skip
FACTS = ["day", "visitor", "bot_k", *PAIRED.values(), *PER_VISITOR.values()]
_SEEDS = {dimension: 0x9E3779B97F4A7C15 + i for i, dimension in enumerate(Dimension)}

_COUNT = {"day": pl.Date, "key": pl.UInt64, "n": pl.UInt64}
NAMES = {"key": pl.UInt64, "dimension": pl.String, "value": pl.String}
_VISITS = {"day": pl.Date, "visitor": pl.UInt64, "n": pl.UInt64, "bot_k": pl.UInt64,
           **dict.fromkeys(PER_VISITOR.values(), pl.UInt64)}  # fmt: skip
_PAIRS = {"day": pl.Date, "key": pl.UInt64, "visitor": pl.UInt64, "n": pl.UInt64}


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


def status_class(status: pl.Expr) -> pl.Expr:
    return (status // 100).cast(pl.String) + "xx"


# Every status code a line can carry (16 bits) has its class's key at its own index: a line's
# key is one look-up by position, and every class is named here once.
_CODES = pl.int_range(0, 1 << 16, eager=True).cast(pl.UInt16)
STATUS_KEYS = pl.select(key(Dimension.STATUS, status_class(pl.lit(_CODES))))[:, 0]
_STATUS = names(Dimension.STATUS, pl.select(status_class(pl.lit(_CODES)))[:, 0])


def _n(column: str = "n") -> pl.Expr:
    return pl.col(column).sum().cast(pl.UInt64).alias("n")


class Tally:
    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self.latest: dt.datetime | None = None
        self.forgotten: set[dt.date] = set()
        self.reopened: set[dt.date] = set()  # came back after being forgotten
        self._buffer: list[pl.DataFrame] = []
        self._buffered = 0
        self._days: set[dt.date] = set()
        # Reductions of counted batches, not yet resolved.
        self._visits: list[pl.DataFrame] = []
        self._pairs: list[pl.DataFrame] = []
        self._pending = 0
        # Resolved since the last checkpoint: (day, key, n) parts, and the names of their keys.
        self._views: list[pl.DataFrame] = []
        self._visitors: list[pl.DataFrame] = []
        self._names: list[pl.DataFrame] = [_SITE]
        # Visits and pairs of open days met in earlier resolutions, as 64-bit hashes.
        self._met = _Met()
        # Batches are reduced (and resolved) in a second thread while the caller goes on with
        # the next chunk; what the reductions change is only touched after ``wait``.
        self._background = Background("tally-reducer")

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
        if groups.height:
            self._names.append(groups)
        self._buffered += facts.height
        if self._buffered >= BATCH:
            self._background.run(self._reduce, self._taken())

    def _taken(self) -> pl.DataFrame:
        facts = self._buffer[0] if len(self._buffer) == 1 else pl.concat(self._buffer)
        self._buffer, self._buffered = [], 0
        return facts

    def _count(self) -> None:
        """Every batch reduced: the one in the background, then what is buffered."""
        self._background.wait()
        if self._buffer:
            self._reduce(self._taken())

    def _reduce(self, facts: pl.DataFrame) -> None:
        """Reduce a batch of facts to its visits and pairs."""
        lines = facts.lazy()
        people = lines.filter(pl.col("bot_k").is_null())
        visits, *pairs = pl.collect_all(
            [
                lines.group_by("day", "visitor").agg(
                    pl.len().cast(pl.UInt64).alias("n"),
                    *(pl.col(c).first() for c in ("bot_k", *PER_VISITOR.values())),
                ),
                *(people.group_by("day", pl.col(c).alias("key"), "visitor").agg(
                    pl.len().cast(pl.UInt64).alias("n")) for c in PAIRED.values()),
            ]
        )  # fmt: skip
        self._visits.append(visits)
        self._pairs.append(pl.concat(pairs))  # different dimensions: no group is in two
        self._pending += visits.height + self._pairs[-1].height
        if self._pending >= PENDING_ROWS:
            self._resolve()

    def _resolve(self) -> None:
        """Views and new visitors of the waiting reductions."""
        if not self._visits:
            return
        visits = _merged(self._visits, ["day", "visitor"], [pl.col(c).first() for c in (
            "bot_k", *PER_VISITOR.values())])  # fmt: skip
        pairs = _merged(self._pairs, ["day", "key", "visitor"], [])
        self._visits, self._pairs, self._pending = [], [], 0
        # Met is kept per day: a visit is its visitor, a pair its key and visitor.
        new_visits = self._met.new(visits, pl.col("visitor").hash(_MET_SEED))
        new_pairs = self._met.new(pairs, pl.struct("key", "visitor").hash(_MET_SEED))
        views, visitors = pl.collect_all(
            [_per_group(visits.lazy(), pairs.lazy(), _n), _per_group(
                new_visits.lazy(), new_pairs.lazy(), lambda: pl.len().cast(pl.UInt64).alias("n"))]
        )  # fmt: skip
        # Summed as they come: a day of many resolutions stays one row a group, not one a
        # resolution, until the checkpoint.
        self._views = [_summed([*self._views, views])]
        self._visitors = [_summed([*self._visitors, visitors])]

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

    def increase(self, names: Callable[[pl.Series], pl.DataFrame] | None = None) -> pl.DataFrame:
        """(day, dimension, value, views, visitors, key) counted since the last ``written``;
        ``names``: the names (``NAMES``) of some keys, besides those ``add`` was given."""
        self._count()
        self._resolve()
        views = _summed(self._views).rename({"n": "views"})
        visitors = _summed(self._visitors).rename({"n": "visitors"})
        extra = [] if names is None else [names(views["key"].unique())]
        named = pl.concat([*self._names, _STATUS, *extra]).unique(subset="key")
        return (
            views.join(visitors, on=["day", "key"], how="left")
            .join(named, on="key", how="left")
            .select(
                "day", "dimension", "value", "views",
                pl.col("visitors").fill_null(0), "key",
            )
        )  # fmt: skip

    def written(self, increase: pl.DataFrame) -> None:
        """The database now holds ``increase``: start counting afresh, and forget settled
        days (what was met on them: a line of theirs that still comes counts anew)."""
        self._background.wait()
        self._views, self._visitors, self._names = [], [], [_SITE]
        settled = self.settled_before()
        if settled is None:
            return
        gone = {d for d in self._days if d < settled}
        if not gone:
            return
        self.forgotten |= gone
        self._days -= gone
        self._met.forget(gone)


class _Met:
    """Hashes of the visits and pairs met on each open day, sorted, in a large and a small
    run: a lookup is a join of the sorted new hashes with each run, which polars does as a
    merge of two sorted columns (no hash table built, so no burst of memory, and a time that
    does not grow with the run), and new hashes are merged into the small run, merged into the
    large one once it reaches a quarter of its size. Eight bytes and a bit a visit or pair,
    for the days still open."""

    def __init__(self) -> None:
        self._days: dict[dt.date, list[pl.DataFrame]] = {}

    def new(self, frame: pl.DataFrame, hashed: pl.Expr) -> pl.DataFrame:
        """The rows of ``frame`` (with a ``day``; no two rows of a day with the same
        ``hashed``) whose ``hashed`` was not met on their day before; they are met now."""
        frame = frame.with_columns(hashed.alias("_met")).sort("_met")
        out = []
        for (day,), part in frame.partition_by("day", as_dict=True).items():
            runs = self._days.setdefault(day, [_NONE, _NONE])  # type: ignore[index]
            part = part.with_columns(pl.col("_met").set_sorted())  # a split keeps the order
            for run in runs:
                if run.height and part.height:
                    part = (
                        part.join(run, on="_met", how="left", maintain_order="left")
                        .filter(pl.col("_seen").is_null())
                        .drop("_seen")
                    )
            met = part.select("_met", _seen=pl.lit(True))
            small = _merged_sorted(runs[1], met)
            if small.height * 4 >= runs[0].height:
                runs[:] = [_merged_sorted(runs[0], small), _NONE]
            else:
                runs[1] = small
            out.append(part.drop("_met"))
        return pl.concat(out) if out else frame.drop("_met")

    def forget(self, days: set[dt.date]) -> None:
        for day in days:
            self._days.pop(day, None)


_NONE = pl.DataFrame(schema={"_met": pl.UInt64, "_seen": pl.Boolean})


def _merged_sorted(run: pl.DataFrame, more: pl.DataFrame) -> pl.DataFrame:
    """Two sorted runs as one, marked sorted (which the joins need to merge, not hash)."""
    if run.height == 0:
        return more
    return run.merge_sorted(more, key="_met").with_columns(pl.col("_met").set_sorted())


_MET_SEED = 0x4D4554


def _merged(parts: list[pl.DataFrame], by: list[str], first: list[pl.Expr]) -> pl.DataFrame:
    if len(parts) == 1:
        return parts[0]
    return pl.concat(parts).group_by(by).agg(_n(), *first)


def _per_group(visits: pl.LazyFrame, pairs: pl.LazyFrame, n: Callable[[], pl.Expr]) -> pl.LazyFrame:
    """(day, key, n) of every group, from visits (people: site, browser, device, country;
    bots: site and name) and pairs; ``n`` sums lines (views) or counts rows (visitors)."""
    person = pl.col("bot_k").is_null()
    site = pl.when(person).then(pl.lit(HUMAN_K, pl.UInt64)).otherwise(pl.lit(BOT_K, pl.UInt64))
    people = visits.filter(person)
    parts = [
        visits.group_by("day", site.alias("key")).agg(n()),
        visits.filter(~person).group_by("day", pl.col("bot_k").alias("key")).agg(n()),
        *(people.group_by("day", pl.col(c).alias("key")).agg(n()) for c in PER_VISITOR.values()),
        pairs.group_by("day", "key").agg(n()),
    ]
    return pl.concat([p.select(list(_COUNT)) for p in parts])


def _summed(parts: list[pl.DataFrame]) -> pl.DataFrame:
    if not parts:
        return pl.DataFrame(schema=_COUNT)
    if len(parts) == 1:
        return parts[0]
    return pl.concat(parts).group_by("day", "key").agg(pl.col("n").sum())
