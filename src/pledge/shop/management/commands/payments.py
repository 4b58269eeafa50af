"""``pledge payments import FILE.csv [--mapping FILE.yaml]``: payments received, into the ledger.

Reads a PayPal activity download or a bank statement (columns in ``pledge.shop.ledger``), or any
other layout described by a mapping file, and matches each payment to its order. Rows that are
not payments received (fees, withdrawals, pending) are listed as skipped; rows that cannot be
read are listed by line with the reason, on standard error, and the command exits with status 1
after importing every other row. Importing the same file again imports nothing twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.shop.ledger import StatementError, layout_load, payments_import
from pledge.shop.stats import order_tallies_update


class Command(BaseCommand):
    help = "Payments: import a PayPal activity download or a bank statement."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser("import", help="import payments received from a CSV file")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--mapping", type=Path, help="YAML file describing another layout's columns"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            layout = layout_load(options["mapping"]) if options["mapping"] else None
            report = payments_import(path=path, layout=layout, actor="cli")
        except StatementError as exc:
            raise CommandError(f"{exc}; nothing was imported") from None
        order_tallies_update()
        for row in report.skipped:
            self.stdout.write(f"skipped: {path}:{row.line}: {row.reason}")
        for row in report.bad:
            self.stderr.write(f"unreadable: {path}:{row.line}: {row.reason}")
        self.stdout.write(report.summary())
        if report.bad:
            raise CommandError(
                f"{len(report.bad)} row{'s' if len(report.bad) != 1 else ''} could not be read: "
                "see the lines above",
                returncode=1,
            )
