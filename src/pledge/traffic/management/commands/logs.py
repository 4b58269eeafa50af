"""``pledge logs ingest FILE...|-`` and ``pledge logs stats``.

``ingest`` reads nginx or Apache access logs (combined, common, JSON lines; plain or gzip; "-"
for standard input), shows a progress bar on a terminal, and reports every line it could not
parse by file and line number. Bad lines never stop it. ``stats`` prints the traffic report,
or writes it as a self-contained HTML file or a JSON export; small groups are suppressed in all.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pledge.traffic.models import Rejection
from pledge.traffic.report import html, terminal
from pledge.traffic.selectors import BUCKETS, traffic_report
from pledge.traffic.services import logs_ingest
from pledge.traffic.sources import Progress


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class _Bar:
    """A one-line progress bar on standard error, redrawn at most five times a second."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.started, self.drawn = stream, time.monotonic(), 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.drawn < 0.2:
            return
        self.drawn = now
        elapsed = max(now - self.started, 1e-6)
        rate = progress.done / elapsed / 1e6
        if progress.total:
            share = min(progress.done / progress.total, 1.0)
            filled = int(30 * share)
            text = f"[{'#' * filled}{'.' * (30 - filled)}] {share:6.1%}  {rate:6.1f} MB/s"
        else:
            text = f"{progress.done / 1e6:10.1f} MB read  {rate:6.1f} MB/s"
        self.stream.write(f"\r{text}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * 60 + "\r")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import access logs, and report traffic."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        ingest = actions.add_parser(
            "ingest", help="import access logs: combined, common or JSON lines, plain or gzip"
        )
        ingest.add_argument("sources", nargs="+", metavar="FILE", help='a log file, or "-"')
        ingest.add_argument("--show", type=int, default=20,
                            help="how many rejected lines to list (default 20)")  # fmt: skip
        ingest.add_argument("--timing", action="store_true", help="time spent per stage")
        ingest.add_argument("--now", type=_instant, help="the time to act as (ISO 8601)")
        progress = ingest.add_mutually_exclusive_group()
        progress.add_argument("--progress", action="store_true", default=None,
                              help="a progress bar even when not on a terminal")  # fmt: skip
        progress.add_argument("--no-progress", dest="progress", action="store_false")
        stats = actions.add_parser("stats", help="the traffic report (small groups suppressed)")
        stats.add_argument("--bucket", choices=BUCKETS, default="day")
        stats.add_argument("--from", dest="first", type=dt.date.fromisoformat, metavar="DATE")
        stats.add_argument("--to", dest="last", type=dt.date.fromisoformat, metavar="DATE")
        stats.add_argument("--top", type=int, default=10, help="groups per table (default 10)")
        stats.add_argument("--html", type=Path, metavar="FILE", help="write an HTML report")
        stats.add_argument("--json", type=Path, metavar="FILE", help="write a JSON export")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "ingest":
            self._ingest(options)
        else:
            self._stats(options)

    def _ingest(self, options: dict[str, Any]) -> None:
        sources: list[str] = options["sources"]
        show_bar = options["progress"]
        if show_bar is None:
            show_bar = sys.stderr.isatty()
        bar = _Bar(sys.stderr) if show_bar else None
        started = time.perf_counter()
        try:
            result = logs_ingest(sources=sources, now=options["now"] or timezone.now(),
                                 progress=bar)  # fmt: skip
        finally:
            if bar is not None:
                bar.close()
        elapsed = time.perf_counter() - started
        run = result.ingest
        rate = run.lines_read / elapsed if elapsed else 0
        plural = "" if len(sources) == 1 else "s"
        self.stdout.write(
            f"read {run.lines_read:,} lines from {len(sources)} source{plural} "
            f"in {elapsed:.1f} s ({rate:,.0f} lines/s)"
        )
        self.stdout.write(f"  counted    {run.counted:>12,}  ({run.bots:,} from bots)")
        self.stdout.write(f"  duplicates {run.duplicates:>12,}  (ingested before, skipped)")
        kept = "quarantined, encrypted" if run.rejected and self._keeps_logs() else "not kept"
        self.stdout.write(
            f"  rejected   {run.rejected:>12,}  "
            + (f"({kept}; listed below)" if run.rejected else "")
        )
        for why, count in result.refusals.items():
            self.stdout.write(f"  refused    {count:>12,}  ({why})")
        if options["timing"]:
            self.stdout.write(f"  time by stage: {result.timing.summary()}")
        rejections = Rejection.objects.filter(ingest=run)[: max(options["show"], 0)]
        for rejection in rejections:
            self.stdout.write(f"{rejection.source}:{rejection.line_number}: {rejection.reason}")
        if run.rejected > len(rejections):
            self.stdout.write(
                f"... and {run.rejected - len(rejections):,} more (pledge logs ingest --show N, "
                "or the operator admin)"
            )
        for error in run.errors:
            self.stderr.write(f"pledge logs ingest: {error}")
        if run.errors and any("cut short" not in e and "damaged" not in e for e in run.errors):
            raise CommandError("some sources could not be read", returncode=1)

    @staticmethod
    def _keeps_logs() -> bool:
        from django.conf import settings

        return settings.POLICY.web_logs.keep

    def _stats(self, options: dict[str, Any]) -> None:
        report = traffic_report(
            kind=options["bucket"], first=options["first"], last=options["last"],
            top=options["top"],
        )  # fmt: skip
        if options["html"]:
            options["html"].write_text(html.render_page(report), encoding="utf-8")
            self.stdout.write(f"wrote {options['html']}")
        if options["json"]:
            options["json"].write_text(json.dumps(report.as_json(), indent=2), encoding="utf-8")
            self.stdout.write(f"wrote {options['json']}")
        if not (options["html"] or options["json"]):
            self.stdout.write(terminal.render(report), ending="")
