"""``pledge marketing list`` and ``pledge marketing receipts --email ADDRESS``.

The list holds only customers whose marketing consent stands at this moment (JC9, JC10, JC13).
Under a policy with no marketing purpose (alps) every marketing command refuses, saying why
(AL3).
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.accounts.consent import consent_receipts
from pledge.accounts.selectors import marketing_audience, user_by_email
from pledge.audit.services import audit_record

PURPOSE = "marketing"


class Command(BaseCommand):
    help = "The marketing list, and consent receipts."
    # Operational commands run on a site with warnings too; `pledge check` reports them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="customers whose marketing consent stands now")
        listing.add_argument("--format", choices=("csv", "json"), default="csv")
        receipts = actions.add_parser("receipts", help="ISO/IEC 27560 consent records")
        receipts.add_argument("--email", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        policy = settings.POLICY
        marketing = [p for p in policy.purposes if p.marketing]
        if not marketing:
            raise CommandError(
                f"the policy {policy.id!r} declares no marketing purpose: "
                f"{policy.summary.split('.')[0].strip()}. Marketing features are absent."
            )
        if options["action"] == "list":
            self._list(marketing[0].id, options["format"])
        else:
            self._receipts(options["email"])

    def _list(self, purpose: str, fmt: str) -> None:
        rows = [
            {"name": p.name.reveal(purpose=purpose), "email": p.email.reveal(purpose=purpose)}
            for p in marketing_audience(purpose=purpose)
        ]
        audit_record(
            action="marketing.exported",
            category="user.account",
            count=len(rows),
            actor="cli",
            detail={"purpose": purpose},
        )
        if fmt == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        writer = csv.DictWriter(sys.stdout, fieldnames=["name", "email"])
        writer.writeheader()
        writer.writerows(rows)

    def _receipts(self, email: str) -> None:
        user = user_by_email(email=email)
        if user is None:
            raise CommandError("no account has that address")
        receipts = consent_receipts(subject=user.subject)
        audit_record(
            action="consent.exported", subject=user.subject_id, count=len(receipts), actor="cli"
        )
        self.stdout.write(json.dumps(receipts, ensure_ascii=False, indent=2))
