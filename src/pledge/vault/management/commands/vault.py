"""``pledge vault rotate-master``: rewrap every data key under a new master key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pledge.vault.services import master_rotate


class Command(BaseCommand):
    help = "Vault key management."
    # Operational commands run on a site with warnings too; `pledge check` reports them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "rotate-master",
            help="rewrap every data key under a new master key and destroy the old one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        old, new, count = master_rotate(actor="cli")
        self.stdout.write(
            f"master key {old} replaced by {new}: {count} data keys rewrapped, old key destroyed"
        )
