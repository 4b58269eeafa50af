"""``pledge serve``'s own access log: each request recorded, counted every few seconds.

The server's access logging is off (``pledge.web.server``), so this is the only record a
request leaves. Requests are held in memory and handed every ``FLUSH_SECONDS`` to the same
pipeline imports go through (``Origin.SERVE``): where the policy keeps web server logs the
lines go to the encrypted partitions in Apache's combined format (so an export of them reads
back as any other log, and is recognised as already ingested); where it does not, the address
lives only in memory until the flush turns it into a keyed hash and a country, and is gone.

One recorder per process. Under the test suite it records nothing unless a test turns it on.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import re
import threading
from dataclasses import dataclass

import polars as pl
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.traffic import parse
from pledge.traffic.models import Origin

log = logging.getLogger("pledge.traffic")
FLUSH_SECONDS = 10.0
AUDIT_EVERY = dt.timedelta(hours=1)
MAX_BUFFER = 200_000  # beyond this, requests are dropped (and counted) rather than memory grown
SOURCE = "pledge serve"
_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f-\U0010ffff]')


@dataclass(frozen=True, slots=True)
class Hit:
    time: dt.datetime
    ip: str
    method: str
    target: str
    protocol: str
    status: int
    size: int
    referrer: str
    agent: str


def _escape(text: str) -> str:
    """As Apache writes a field: quotes, backslashes, control and non-ASCII bytes as \\xhh."""
    return _UNSAFE.sub(
        lambda m: "".join(f"\\x{b:02x}" for b in m.group().encode("utf-8", "surrogatepass")),
        text,
    )


def combined_line(hit: Hit) -> str:
    """The hit in Apache/nginx combined format, parseable by ``pledge.traffic.parse``."""
    return (
        f"{hit.ip} - - [{hit.time.astimezone(dt.UTC):%d/%b/%Y:%H:%M:%S +0000}] "
        f'"{_escape(hit.method)} {_escape(hit.target)} {_escape(hit.protocol)}" '
        f'{hit.status} {hit.size} "{_escape(hit.referrer) or "-"}" "{_escape(hit.agent) or "-"}"'
    )


class Recorder:
    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.dropped = 0
        self._hits: list[Hit] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._pipeline = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._closed = False
        self._audited_at: dt.datetime | None = None
        self._audited_count = 0
        self._sequence = 0

    def record(self, hit: Hit) -> None:
        if not self.enabled:
            return
        with self._lock:
            if len(self._hits) >= MAX_BUFFER:
                self.dropped += 1
                return
            self._hits.append(hit)
        if self._thread is None and not getattr(settings, "TESTING", False):
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="traffic-recorder", daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except Exception:
                log.exception("the access log could not be counted; retrying")
            finally:
                close_old_connections()

    def flush(self, *, now: dt.datetime | None = None) -> int:
        """Count the requests held so far; how many."""
        with self._flushing:
            with self._lock:
                hits, self._hits = self._hits, []
            if not hits:
                return 0
            now = now or timezone.now()
            pipeline = self._pipeline_at(now)
            try:
                pipeline.feed(pipeline.prepare_frame(self._frame(hits, now), SOURCE))
                pipeline.checkpoint()
            except Exception:
                with self._lock:  # not lost: counted at the next flush
                    self._hits[:0] = hits
                raise
            self._audit(now)
            return len(hits)

    def _pipeline_at(self, now: dt.datetime):  # type: ignore[no-untyped-def]
        from pledge.traffic.pipeline import Pipeline

        if self._pipeline is None:
            self._pipeline = Pipeline(
                policy=settings.POLICY, origin=Origin.SERVE, now=now, sources=[SOURCE]
            )
            self._audited_at = now
        self._pipeline.advance(now)
        return self._pipeline

    def _frame(self, hits: list[Hit], now: dt.datetime) -> pl.DataFrame:
        first = self._sequence + 1
        self._sequence += len(hits)
        keeps = settings.POLICY.web_logs.keep
        frame = pl.DataFrame(
            {
                "line_number": pl.int_range(first, first + len(hits), eager=True,
                                            dtype=pl.UInt64),
                # The line exists only where lines are kept; otherwise nothing to write.
                "line": [combined_line(h) if keeps else "" for h in hits],
                "ip": [h.ip for h in hits],
                # To the second, as the line says: the line and its time must agree.
                "time": pl.Series([h.time.replace(microsecond=0) for h in hits],
                                  dtype=pl.Datetime("us", "UTC")),
                "method": [h.method for h in hits],
                "target": [h.target for h in hits],
                "protocol": [h.protocol for h in hits],
                "status": pl.Series([h.status for h in hits], dtype=pl.UInt16),
                "bytes": pl.Series([h.size for h in hits], dtype=pl.UInt64),
                "referrer": [h.referrer or "-" for h in hits],
                "agent": [h.agent or "-" for h in hits],
                "reason": pl.Series([None] * len(hits), dtype=pl.String),
            }
        )  # fmt: skip
        return frame.select(list(parse.SCHEMA)).cast(parse.SCHEMA)  # type: ignore[arg-type]

    def _audit(self, now: dt.datetime) -> None:
        """One audit event an hour for the lines recorded, not one per flush."""
        pipeline = self._pipeline
        if pipeline is None or self._audited_at is None or now - self._audited_at < AUDIT_EVERY:
            return
        counted = pipeline.totals.counted
        audit_record(
            action="traffic.access_log_recorded",
            category=pipeline.category,
            count=counted - self._audited_count,
            detail={"run": str(pipeline.ingest.pk), "since": self._audited_at.isoformat()},
        )
        self._audited_at, self._audited_count = now, counted

    def close(self) -> None:
        """Stop the flushing thread and count what is left (at exit). Only the first call
        acts: ``pledge serve`` closes the recorder itself, and the atexit hook comes after."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        try:
            self.flush()
            if self._pipeline is not None:
                self._pipeline.finish(now=timezone.now())
        except Exception:
            log.exception("the last requests of the access log could not be counted")


_recorder: Recorder | None = None
_recorder_lock = threading.Lock()


def recorder() -> Recorder:
    global _recorder
    if _recorder is None:
        with _recorder_lock:
            if _recorder is None:
                _recorder = Recorder(enabled=not getattr(settings, "TESTING", False))
    return _recorder
