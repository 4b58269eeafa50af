"""``pledge accounts import-legacy FILE.csv``: customers of the former shop, with their passwords.

The file has a header line and the columns ``email,name,postal_address,phone,sha512,marketing,
registered_at`` (``phone``, ``marketing`` and ``registered_at`` optional). Rows that cannot be
imported (a missing or invalid address, a digest that is not 128 hex characters, a bad date, a
card number anywhere) are listed by file and line with the reason, and skipped; so are addresses
already registered, which makes a second run of the same file import nothing twice.

Marketing consent is not imported: a "yes" from the former shop comes with no record of what the
customer was told, and UK GDPR requires consent that can be shown. The summary says how many
customers said "yes", so the shop can ask them again. Details: ``pledge.accounts.legacy``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.accounts.legacy import (
    COLUMNS,
    ImportReport,
    LegacyFileError,
    legacy_customers_import,
    legacy_rows_read,
)


class Command(BaseCommand):
    help = "Customer accounts: import the customers of the former shop."
    # Operational commands run on a site with warnings too; `pledge check` reports them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        legacy = actions.add_parser(
            "import-legacy",
            help="import customers with their legacy SHA-512 password digests from a CSV file",
            description=f"CSV with a header line: {','.join(COLUMNS)}. "
            "phone, marketing and registered_at may be empty or left out.",
        )
        legacy.add_argument("file", type=Path, help="the CSV file (UTF-8)")
        legacy.add_argument(
            "--dry-run", action="store_true", help="check the file and report; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8-sig", newline="") as file:
                report = legacy_customers_import(
                    rows=legacy_rows_read(file=file, source=str(path)),
                    dry_run=options["dry_run"],
                    actor="cli",
                )
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from None
        except LegacyFileError as exc:
            raise CommandError(f"{exc}; nothing was imported") from None
        for line in summary(report, source=str(path)):
            self.stdout.write(line)


def summary(report: ImportReport, *, source: str) -> list[str]:
    """What the operator needs to see: counts, each refused row by line, and the consent gap."""
    verb = "would be imported (dry run: nothing written)" if report.dry_run else "imported"
    lines = [
        f"{source}: {_count(report.rows, 'row')} read, "
        f"{_count(report.imported, 'customer')} {verb}, {len(report.skipped)} skipped"
    ]
    if report.skipped:
        lines.append("skipped rows:")
        lines.extend(f"  {skipped}" for skipped in report.skipped)
        lines.append("skipped by reason:")
        lines.extend(f"  {reason}: {count}" for reason, count in report.by_reason().items())
    if not report.imported:
        return lines
    lines.append(
        "passwords: kept only as Argon2id over the former SHA-512 digests; each becomes a "
        "plain Argon2id hash at the customer's first sign-in"
    )
    lines.append(
        f"marketing: {report.marketing_not_carried} of these customers said yes in the former "
        "shop; no consent was recorded for them, because consent must be provable under UK GDPR "
        "and the former shop kept no record of what they were told. Ask them again: the opt-in "
        "box on their account page."
    )
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
