"""``pledge sweep [--dry-run] [--now T] [--json] [--no-wait]``: retention, planned or done."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from pledge.datamap import registry
from pledge.retention.plan import Entry, plan
from pledge.retention.sweep import SweepBusy, sweep_run


def _instant(text: str) -> dt.datetime:
    """An ISO date or date-time; a bare date means its local midnight in the controller's zone."""
    zone = ZoneInfo(settings.POLICY.time_zone)
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(f"--now {text!r}: give a date (2031-04-15) or a date and time")
        moment = dt.datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _local(moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(settings.POLICY.time_zone)).strftime("%Y-%m-%d %H:%M")


class Command(BaseCommand):
    help = "Delete what the policy says is due; or, with --dry-run, say what and when."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="plan only; delete nothing")
        parser.add_argument("--now", help="compute as of this date or time (for planning)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.add_argument(
            "--no-wait", action="store_true", help="leave at once if another sweep is running"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = _instant(options["now"]) if options["now"] else timezone.now()
        if options["dry_run"]:
            entries = plan(
                settings.POLICY, list(registry.holders(settings.POLICY)), now,
                registry.store_holders(),
            )  # fmt: skip
            self._print(entries, now, options["json"], done=False)
            return
        try:
            result = sweep_run(now=now, wait=not options["no_wait"])
        except SweepBusy as exc:
            raise CommandError(str(exc), returncode=3) from None
        self._print(result.entries, now, options["json"], done=True)
        if not options["json"]:
            self.stdout.write(
                f"deleted {result.deleted} records; {result.keys_shredded} keys shredded"
            )

    def _print(self, entries: list[Entry], now: dt.datetime, as_json: bool, done: bool) -> None:
        if as_json:
            self.stdout.write(
                json.dumps(
                    {"as_of": now.isoformat(), "entries": [e.as_dict() for e in entries]}, indent=2
                )
            )
            return
        verb = "went" if done else "goes now"
        self.stdout.write(
            f"Retention as of {_local(now)} ({settings.POLICY.time_zone}), "
            f"policy {settings.POLICY.id}:"
        )
        for entry in entries:
            category = settings.POLICY.category(entry.category)
            name = category.name if category else entry.category
            self.stdout.write(f"\n{name} [{entry.holder}]")
            self.stdout.write(f"  rule: {entry.rule}")
            self.stdout.write(
                f"  {verb}: {entry.due_now}"
                + (
                    f" (everything collected up to {_local(entry.cutoff)})"
                    if entry.due_now and entry.cutoff
                    else ""
                )
            )
            if entry.next_due:
                self.stdout.write(f"  next: {entry.next_count} on {_local(entry.next_due)}")
            if entry.held:
                self.stdout.write(f"  under a legal hold: {entry.held}")
            self.stdout.write(f"  why: {entry.reason}")
