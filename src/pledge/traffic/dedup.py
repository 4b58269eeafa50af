"""Never counting a line twice, however it comes back: the same file, a rotated copy, its gzip,
or standard input.

A line is known by its exact text (which includes its time to the second). Two identical lines
can be two real requests (a reload in the same second), so lines are compared as a multiset: the
k-th occurrence of a text in this run is new only if earlier runs stored fewer than k of it.
Because a repeated line has the same timestamp, only stored lines of the chunk's own time span
are read, and a chunk whose span no earlier file covers (a first import) costs one query.

Where logs are kept, the raw partitions themselves are the memory of what was ingested. Where
they are not, each day keeps a ledger of keyed 64-bit fingerprints of its lines, encrypted
under that day's visit salt and destroyed with it; the day then closes (``visitors``).
"""

from __future__ import annotations

import datetime as dt
import uuid

import polars as pl
from django.db.models import Q

from pledge.traffic import store
from pledge.traffic.models import FileKind, LogFile

CARRY = dt.timedelta(minutes=5)  # repeated lines straddling two chunks are this close in time


def fingerprints(lines: pl.Series, days: pl.Series, seeds: dict[dt.date, int]) -> pl.Series:
    """Keyed 64-bit fingerprints of ``lines``, each under its day's seed (from the salt).

    polars' seeded hash: stable within a polars version, and a ledger lives 48 hours, so only
    an upgrade of polars between two imports of the same lines within those hours could let
    them count twice.
    """
    frame = pl.DataFrame({"line": lines, "day": days})
    parts = [
        frame.with_row_index("i")
        .filter(pl.col("day") == day)
        .select("i", pl.col("line").hash(seed).alias("fingerprint"))
        for day, seed in seeds.items()
    ]
    if not parts:
        return pl.Series("fingerprint", [None] * len(lines), dtype=pl.UInt64)
    joined = pl.concat(parts).sort("i")
    return joined["fingerprint"]


class Seen:
    """Which lines of each chunk earlier runs already ingested."""

    def __init__(self, *, kind: FileKind, category: str, run: uuid.UUID) -> None:
        self.kind, self.category, self.run = kind, category, run
        self.column = "line" if kind is FileKind.RAW else "fingerprint"
        self._carry = pl.DataFrame(schema={"key": _dtype(self.column), "seen": pl.UInt32,
                                           "time": pl.Datetime("us", "UTC")})  # fmt: skip
        self._files: list[tuple[dt.datetime, dt.datetime, str, str]] | None = None

    def _earlier_files(self) -> list[tuple[dt.datetime, dt.datetime, str, str]]:
        """The files earlier runs committed, read once: what this run may find again. (Files
        other runs commit meanwhile hold lines this run has not read before it started.)"""
        if self._files is None:
            self._files = list(
                LogFile.objects.filter(kind=self.kind, category=self.category)
                .exclude(Q(ingest_id=self.run))
                .values_list("first_at", "last_at", "path", "period")
            )
        return self._files

    def stored(self, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
        """(key, stored): how many times earlier runs stored each key with a time in the span."""
        files = [(path, period) for first, last, path, period in self._earlier_files()
                 if first <= end and last >= start]  # fmt: skip
        tables = []
        for path, period in files:
            table = store.read(
                path,
                category=self.category,
                period=period,
                columns=[self.column],
                filters=[("time", ">=", start), ("time", "<=", end)],
            )
            if table is not None and table.num_rows:
                tables.append(pl.from_arrow(table.column(self.column)).alias("key"))
        if not tables:
            return pl.DataFrame(schema={"key": _dtype(self.column), "stored": pl.UInt32})
        return (
            pl.concat(tables)
            .to_frame()
            .group_by("key")
            .agg(pl.len().cast(pl.UInt32).alias("stored"))
        )

    def new(self, keys: pl.Series, times: pl.Series) -> pl.Series:
        """A mask over the chunk: True where the line is not yet ingested."""
        if keys.len() == 0:
            return pl.Series("new", [], dtype=pl.Boolean)
        start, end = times.min(), times.max()
        assert isinstance(start, dt.datetime) and isinstance(end, dt.datetime)
        stored = self.stored(start, end)
        frame = pl.DataFrame({"key": keys, "time": times}).with_row_index("i")
        if stored.height == 0 and self._carry.height == 0:
            return pl.repeat(True, keys.len(), eager=True).alias("new")
        carried = self._carry.group_by("key").agg(pl.col("seen").max())
        ranked = (
            frame.with_columns(k=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("key"))
            .join(carried, on="key", how="left")
            .join(stored, on="key", how="left")
            .with_columns(
                k=pl.col("k") + pl.col("seen").fill_null(0),
                stored=pl.col("stored").fill_null(0),
            )
            .sort("i")
        )
        # Remember how often each recent key was seen, for a repeat in the next chunk.
        recent = ranked.filter(pl.col("time") >= end - CARRY)
        self._carry = pl.concat(
            [
                self._carry.filter(pl.col("time") >= end - CARRY),
                recent.group_by("key").agg(pl.col("k").max().alias("seen"), pl.col("time").max()),
            ]
        )
        return (ranked["k"] > ranked["stored"]).alias("new")


def _dtype(column: str) -> type[pl.DataType] | pl.DataType:
    return pl.String if column == "line" else pl.UInt64
