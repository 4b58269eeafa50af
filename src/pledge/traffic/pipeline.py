"""One pipeline for both sources: chunks of parsed lines in, counts and encrypted raw lines out.

Per chunk: addresses checked and placed (country) once per distinct address; the day in the
policy's time zone; the visitor hash under the day's salt; lines already ingested dropped;
raw lines written encrypted (policies that keep logs) or fingerprints to the day's ledger
(policies that do not); lines that did not parse quarantined (kept-logs policies) and
reported; browser strings classified once each; then counted.

At a checkpoint (when a day is left behind by the stream, every ``CHECKPOINT_LINES`` lines, at
the end of a run, at every flush of the live access log) the files written so far are moved
into their partitions and, in one database transaction, listed in the manifest beside the
counts they produced: a crash loses at most the work since the last checkpoint, and a rerun
neither skips nor doubles any line.
"""

from __future__ import annotations

import ctypes
import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction

from pledge.audit.services import audit_record
from pledge.policy import Policy
from pledge.traffic import classify, counts, parse, periods, store
from pledge.traffic.dedup import Seen, fingerprints
from pledge.traffic.models import DailyCount, FileKind, Ingest, LogFile, Origin, Rejection
from pledge.traffic.sources import Chunk
from pledge.traffic.tally import FACTS, Tally
from pledge.traffic.timing import Timing
from pledge.traffic.visitors import Salts, traffic_category, visitor_ids

CHECKPOINT_LINES = 2_000_000
REJECTIONS_KEPT = 10_000  # per run in the database; all are counted, all quarantined
REFUSED_CLOSED = "the day's visit salt is destroyed: it can no longer be counted"
REFUSED_EXPIRED = "older than the policy keeps web server logs"


@dataclass(frozen=True, slots=True)
class Prepared:
    source: str
    bad: pl.DataFrame  # parse.SCHEMA, rows with a reason
    good: pl.DataFrame  # parse.SCHEMA + valid, day and the keys of tally.FACTS
    groups: pl.DataFrame  # tally.NAMES of those keys (none: the classifier names them)


@dataclass
class Totals:
    lines_read: int = 0
    counted: int = 0
    bots: int = 0
    duplicates: int = 0
    rejected: int = 0
    refused: int = 0


class Pipeline:
    """One run: an import of some files, or one ``pledge serve`` process's access log."""

    def __init__(
        self,
        *,
        policy: Policy,
        origin: Origin,
        now: dt.datetime,
        sources: list[str] | None = None,
    ) -> None:
        now = _utc(now)
        self.policy, self.origin, self.now = policy, origin, now
        self.keeps_logs = policy.web_logs.keep
        self.category = traffic_category(policy)
        self.ingest = Ingest.objects.create(
            origin=origin, started_at=now, sources=list(sources or [])
        )
        run = str(self.ingest.pk)
        self.classifier = classify.Classifier()
        classify.warm_up()
        self.salts = Salts(policy, now=now)
        self.tally = Tally(policy.time_zone)
        # The site's own requests are new by construction: no duplicate check, no ledger.
        self.checks_duplicates = origin is Origin.IMPORT
        kind = FileKind.RAW if self.keeps_logs else FileKind.LEDGER
        self.seen = Seen(kind=kind, category=self.category, run=self.ingest.pk)
        kinds = [FileKind.RAW, FileKind.QUARANTINE] if self.keeps_logs else []
        if self.checks_duplicates and not self.keeps_logs:
            kinds.append(FileKind.LEDGER)
        self.writers = {
            k: store.PartitionWriter(kind=k, category=self.category, run=run) for k in kinds
        }
        self.totals = Totals()
        self.timing = Timing()
        self.refusals: dict[str, int] = {}
        self._rejections: list[Rejection] = []
        self._kept_rejections = 0
        self._since_checkpoint = 0
        self._last_time: dict[str, dt.datetime] = {}
        self._had_counts: dict[dt.date, bool] = {}
        self._due: dict[str, dt.datetime | None] = {}

    # --- feeding ------------------------------------------------------------------------------

    def prepare(self, chunk: Chunk) -> Prepared:
        """The work on a chunk that needs no database: parsing, classifying its distinct
        addresses and browser strings, and the columns the counts are grouped by."""
        with self.timing("parse"):
            lines = parse.lines_frame(chunk.data, chunk.first_line, cut_tail=chunk.truncated_tail)
            chunk.data = b""  # split into lines: the bytes are not needed any more
            frame = parse.parse(lines, now=self.now)
            del lines
        return self.prepare_frame(frame, chunk.source)

    def prepare_frame(self, frame: pl.DataFrame, source: str) -> Prepared:
        """``prepare`` for lines already parsed (``parse.SCHEMA``), such as the site's own."""
        if frame["reason"].null_count() == frame.height:  # the usual case: no copy
            good, bad = frame, frame.head(0)
        else:
            good = frame.filter(pl.col("reason").is_null())
            bad = frame.filter(pl.col("reason").is_not_null())
        with self.timing("classify"):
            good, groups = classify.derive(
                good, self.classifier, self.policy.time_zone, named=False
            )
        return Prepared(source, bad, good, groups)

    def advance(self, now: dt.datetime) -> None:
        """A long-running pipeline (the live access log) moves its clock forward."""
        self.now = self.salts.now = _utc(now)

    def feed(self, prepared: Prepared) -> None:
        """Count a prepared chunk."""
        source = prepared.source
        good, bad = prepared.good, prepared.bad
        self.totals.lines_read += good.height + bad.height
        self._since_checkpoint += good.height + bad.height
        if bad.height:
            bad = self._estimated_times(bad, good, source)
        if good.height:
            latest = good["time"].max()
            if isinstance(latest, dt.datetime):
                self._last_time[source] = latest
            if not good["valid"].all():
                invalid = good.filter(~pl.col("valid"))
                bad = pl.concat([bad, _as_rejected(invalid, parse.NOT_IP)], how="diagonal_relaxed")
                good = good.filter(pl.col("valid"))
        with self.timing("quarantine"):
            self._reject(bad, source)
        if good.height:
            self._count(good, source, prepared.groups)
        if self._since_checkpoint >= CHECKPOINT_LINES or self.tally.has_settled():
            self.checkpoint()
        else:
            memory_release()

    def _estimated_times(self, bad: pl.DataFrame, good: pl.DataFrame, source: str) -> pl.DataFrame:
        """For a line that did not parse, the time of the nearest earlier line that did (or the
        next one): the period it is quarantined in, and so how long it is kept."""
        fallback = self._last_time.get(source, self.now)
        if good.height == 0:
            return bad.with_columns(estimated=pl.lit(fallback, dtype=pl.Datetime("us", "UTC")))
        times = good.select("line_number", pl.col("time").alias("estimated")).sort("line_number")
        earlier = bad.sort("line_number").join_asof(times, on="line_number", strategy="backward")
        later = earlier.drop("estimated").join_asof(times, on="line_number", strategy="forward")
        return earlier.with_columns(
            estimated=pl.coalesce(earlier["estimated"], later["estimated"], pl.lit(fallback))
        )

    def _count(self, good: pl.DataFrame, source: str, groups: pl.DataFrame) -> None:
        with self.timing("visitors"):
            for day in good["day"].unique().to_list():
                self._note_day(day)
            if self.keeps_logs:
                good = good.with_columns(period=periods.periods_of(good["time"], self.policy))
                good = self._refuse(good, self._expired(good), REFUSED_EXPIRED)
            good = visitor_ids(good, self.salts)
            good = self._refuse(good, pl.col("visitor").is_null(), REFUSED_CLOSED)
        if good.height == 0:
            return
        keys = None
        if self.checks_duplicates:
            with self.timing("dedup"):
                keys = good["line"] if self.keeps_logs else self._fingerprints(good)
                new = self.seen.new(keys, good["time"])
                duplicates = good.height - int(new.sum())
                if duplicates:  # otherwise nothing to drop, and nothing copied
                    self.totals.duplicates += duplicates
                    good, keys = good.filter(new), keys.filter(new)
        if good.height == 0:
            return
        with self.timing("store"):
            if self.keeps_logs:
                self.writers[FileKind.RAW].write(_raw_table(good, source), good["period"])
            elif keys is not None:
                ledger = pl.DataFrame({"time": good["time"], "fingerprint": keys})
                labels = periods.SALT + good["day"].dt.to_string("%Y-%m-%d")
                self.writers[FileKind.LEDGER].write(ledger, labels)
        with self.timing("tally"):
            self.tally.add(good.select(FACTS), groups, latest=good["time"].max())  # type: ignore[arg-type]
        self.totals.counted += good.height
        self.totals.bots += int(good["bot_k"].is_not_null().sum())

    def _note_day(self, day: dt.date) -> None:
        if day not in self._had_counts:
            self._had_counts[day] = DailyCount.objects.filter(day=day).exists()

    def _expired(self, good: pl.DataFrame) -> pl.Expr:
        for period in good["period"].unique().to_list():
            if period not in self._due:
                self._due[period] = periods.period_due(period, self.policy)
        gone = [p for p, at in self._due.items() if at is not None and at <= self.now]
        return pl.col("period").is_in(gone)

    def _refuse(self, good: pl.DataFrame, mask: pl.Expr, why: str) -> pl.DataFrame:
        refused = int(good.select(mask.sum()).item() or 0)
        if refused:
            self.totals.refused += refused
            self.refusals[why] = self.refusals.get(why, 0) + refused
            return good.filter(~mask)
        return good

    def _fingerprints(self, good: pl.DataFrame) -> pl.Series:
        seeds = {
            day: int.from_bytes(salt[:8], "big")
            for day in good["day"].unique().to_list()
            if (salt := self.salts.get(day)) is not None
        }
        return fingerprints(good["line"], good["day"], seeds)

    def _reject(self, bad: pl.DataFrame, source: str) -> None:
        if bad.height == 0:
            return
        self.totals.rejected += bad.height
        room = REJECTIONS_KEPT - self._kept_rejections
        for number, reason in bad.select("line_number", "reason").head(max(room, 0)).iter_rows():
            self._rejections.append(
                Rejection(ingest=self.ingest, source=source, line_number=number, reason=reason)
            )
        self._kept_rejections += min(bad.height, max(room, 0))
        if self.keeps_logs:
            quarantined = bad.select(
                pl.col("estimated").alias("time"),
                pl.lit(source).alias("source"),
                "line_number",
                "reason",
                pl.Series("raw", _raw_bytes(bad), dtype=pl.Binary),
            )
            self.writers[FileKind.QUARANTINE].write(
                quarantined, periods.periods_of(bad["estimated"], self.policy)
            )

    # --- committing ---------------------------------------------------------------------------

    def checkpoint(self) -> None:
        """Move the files into place and commit them with their counts, atomically.

        The last chunk's Parquet is still being written in the background (``store``): the
        counts are worked out and sent first, and the files closed only then, so that the
        write goes on meanwhile instead of being waited for."""
        with self.timing("tally"):
            increase = self.tally.increase(self.classifier.names)
        with transaction.atomic():
            with self.timing("database"):
                counts.counts_add(increase)
            with self.timing("store"):
                written = [w for writer in self.writers.values() for w in writer.close()]
            with self.timing("database"):
                LogFile.objects.bulk_create(
                    LogFile(
                        path=w.path, kind=w.kind, category=w.category, period=w.period,
                        rows=w.rows, size=w.size, first_at=w.first_at, last_at=w.last_at,
                        ingest=self.ingest, created_at=self.now,
                    )
                    for w in written
                )  # fmt: skip
                Rejection.objects.bulk_create(self._rejections)
                self._save_totals()
        self._rejections = []
        self.tally.written(increase)
        self.classifier.names_released()
        self.salts.keep_only(self.tally.days())
        self._since_checkpoint = 0
        memory_release()

    def _save_totals(self, **extra: Any) -> None:
        t = self.totals
        Ingest.objects.filter(pk=self.ingest.pk).update(
            lines_read=t.lines_read, counted=t.counted, bots=t.bots, duplicates=t.duplicates,
            rejected=t.rejected, refused=t.refused, **extra,
        )  # fmt: skip

    def finish(self, *, now: dt.datetime, errors: list[str] | None = None) -> Ingest:
        """Last checkpoint, recount days counted in pieces (kept logs), audit the run."""
        self.checkpoint()
        recounted = self._recount() if self.origin is Origin.IMPORT and self.keeps_logs else 0
        self._save_totals(finished_at=now, errors=list(errors or []))
        t = self.totals
        audit_record(
            action="traffic.logs_ingested" if self.origin is Origin.IMPORT else
            "traffic.access_log_recorded",
            category=self.category,
            count=t.counted,
            detail={
                "run": str(self.ingest.pk), "lines_read": t.lines_read, "bots": t.bots,
                "duplicates": t.duplicates, "rejected": t.rejected, "refused": t.refused,
                "days_recounted": recounted, "sources": len(self.ingest.sources),
            },
        )  # fmt: skip
        self.ingest.refresh_from_db()
        return self.ingest

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()

    def _recount(self) -> int:
        """Days that already had counts, or were left and came back: their visitors may be
        counted twice by adding, so they are counted again from all their raw lines."""
        from pledge.traffic.recount import day_recount

        days = {d for d, had in self._had_counts.items() if had} | self.tally.reopened
        for day in sorted(days):
            day_recount(day, policy=self.policy, now=self.now, classifier=self.classifier)
        return len(days)


def _utc(now: dt.datetime) -> dt.datetime:
    """``now`` in UTC, whatever zone it comes in: polars compares it with the lines' UTC
    times, and refuses a zone it cannot name (a ``ZoneInfo`` without a key, a fixed offset)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(dt.UTC)


def memory_frugal() -> None:
    """glibc's allocator told to give memory back rather than keep it for later (Arrow's
    buffers and Python's come from it): free memory at the top of the heap returned past
    1 MiB, and two arenas for all threads instead of eight a core, each holding free memory of
    its own. Measured: about 10 MB less at the peak of an import, for a little more time in
    the kernel."""
    if _libc is not None:
        _libc.mallopt(_M_ARENA_MAX, 2)
        _libc.mallopt(_M_TRIM_THRESHOLD, 1024 * 1024)


_M_TRIM_THRESHOLD, _M_ARENA_MAX = -1, -8  # glibc's malloc.h


def memory_release() -> None:
    """Hand the C heap's free pages back to the system (glibc keeps them otherwise, arena by
    arena, after Arrow's and Python's buffers are freed): the resident memory of a long import
    then stays that of the days being counted. After every chunk, not only at checkpoints: a
    day of 330,000 lines (18 chunks) otherwise left 15 MB more at the peak; half a millisecond
    a chunk."""
    if _libc is not None:
        _libc.malloc_trim(0)


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        return None
    return libc


_libc = _glibc()


def _as_rejected(frame: pl.DataFrame, reason: str) -> pl.DataFrame:
    return frame.select(
        "line_number", "line",
        *(pl.lit(None, dtype=d).alias(n) for n, d in parse.FIELDS.items()),
        pl.lit(reason).alias("reason"), pl.col("time").alias("estimated"),
    )  # fmt: skip


def _raw_table(good: pl.DataFrame, source: str) -> pl.DataFrame:
    return good.select(
        "time", "ip", "method", "target", "protocol", "status", "bytes", "referrer",
        pl.col("agent").alias("user_agent"), "line", pl.lit(source).alias("source"),
        "line_number",
    )  # fmt: skip


def _raw_bytes(bad: pl.DataFrame) -> list[bytes | None]:
    """Each rejected line as it was: its text, or the bytes of a line that was not text."""
    raw = bad["raw"].to_list() if "raw" in bad.columns else [None] * bad.height
    return [
        line.encode("utf-8") if line is not None else original
        for line, original in zip(bad["line"].to_list(), raw, strict=True)
    ]
