"""``pledge disclose --recipient NAME --basis TEXT --reference REF`` with ``--email ADDRESS`` or
``--ip A --from T --to T``.

Hands data over to a recipient the policy declares (AL9, JC12), as an encrypted export, and
enters it in the disclosure register. The passphrase is printed once, here, and kept nowhere:
give it to the recipient by another way than the file. ``pledge disclose --list`` prints the
register. A recipient or category the policy does not allow is refused, quoting the policy.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date, parse_datetime

from pledge.disclosures.allow import DisclosureRefused
from pledge.disclosures.selectors import register_entries
from pledge.disclosures.services import (
    LegalOrder,
    Made,
    log_lines_disclose,
    subject_disclose,
)
from pledge.disclosures.traffic import TrafficUnavailable


def _instant(option: str, text: str) -> dt.datetime:
    zone = ZoneInfo(settings.POLICY.time_zone)
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(f"{option} {text!r}: give a date (2026-05-10) or date and time")
        moment = dt.datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


class Command(BaseCommand):
    help = "Disclose data to a recipient the policy allows, and keep the disclosure register."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="print the register")
        parser.add_argument("--recipient", help="a recipient id or name from the policy")
        parser.add_argument("--basis", help="the legal basis: the law or order that compels it")
        parser.add_argument("--reference", help="the order's or case's reference")
        parser.add_argument("--email", help="disclose this person's data")
        parser.add_argument("--category", action="append", help="only this category (repeat)")
        parser.add_argument("--ip", help="disclose the raw log lines of this IP address")
        parser.add_argument("--from", dest="start", help="start of the window (with --ip)")
        parser.add_argument("--to", dest="end", help="end of the window (with --ip)")
        parser.add_argument(
            "--restricted",
            action="store_true",
            help="the law forbids telling the person: leave it out of their copy of their data",
        )
        parser.add_argument("--out", type=Path, default=Path.cwd(), help="where the export goes")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        missing = [f"--{n}" for n in ("recipient", "basis", "reference") if not options[n]]
        if missing:
            raise CommandError(f"give {', '.join(missing)}")
        if bool(options["email"]) == bool(options["ip"]):
            raise CommandError("give either --email ADDRESS or --ip A --from T --to T")
        order = LegalOrder(
            recipient=options["recipient"],
            basis=options["basis"],
            reference=options["reference"],
            restricted=options["restricted"],
        )
        try:
            made = self._make(order, options)
        except (DisclosureRefused, TrafficUnavailable) as exc:
            raise CommandError(str(exc)) from None
        entry = made.disclosure
        self.stdout.write(f"{entry.number}: disclosed to {entry.recipient_name}: {entry.what}")
        self.stdout.write(f"export: {made.path} (sha256 {entry.export_sha256})")
        self.stdout.write(f"how to open it: {made.path.with_suffix('.README.txt')}")
        self.stdout.write("passphrase (shown once, kept nowhere; send it apart from the file):")
        self.stdout.write(f"  {made.passphrase}")

    def _make(self, order: LegalOrder, options: dict[str, Any]) -> Made:
        if options["email"]:
            return subject_disclose(
                order=order,
                email=options["email"],
                out_dir=options["out"],
                categories=options["category"],
            )
        if not (options["start"] and options["end"]):
            raise CommandError("--ip needs --from and --to")
        return log_lines_disclose(
            order=order,
            ip=options["ip"],
            start=_instant("--from", options["start"]),
            end=_instant("--to", options["end"]),
            out_dir=options["out"],
        )

    def _list(self) -> None:
        zone = ZoneInfo(settings.POLICY.time_zone)
        entries = list(register_entries())
        for e in entries:
            flag = " [restricted]" if e.restricted else ""
            self.stdout.write(
                f"{e.number}  {e.made_at.astimezone(zone):%Y-%m-%d %H:%M}  {e.recipient_name}  "
                f"ref {e.reference}  basis: {e.basis}  {e.what}{flag}"
            )
        self.stdout.write(f"{len(entries)} disclosure{'s' if len(entries) != 1 else ''}")
