"""``pledge audit verify``: check the audit trail's hash chain from end to end."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.audit.selectors import audit_verify


class Command(BaseCommand):
    help = "Audit trail tools."
    # Checking the trail must work on a site whose configuration is broken: that may be the
    # very moment someone needs to know whether the record was tampered with.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "verify",
            help="walk the hash chain; exit 1 and name each altered, missing, inserted or "
            "reordered event if it is broken",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify":
            self._verify()

    def _verify(self) -> None:
        report = audit_verify()
        plural = "" if report.count == 1 else "s"
        if report.ok:
            self.stdout.write(f"audit chain intact: {report.count} event{plural}")
            # No chain can show its own newest events cut off; a head written down elsewhere can.
            self.stdout.write(f"head: {report.head}")
            return
        for problem in report.problems:
            self.stdout.write(str(problem))
        found = len(report.problems)
        raise CommandError(
            f"audit chain broken: {found} problem{'' if found == 1 else 's'} "
            f"in {report.count} event{plural}",
            returncode=1,
        )
