"""``pledge stats orders``: countries shipped to and postage methods used, per month (AL10).

Counts only, never a person; groups smaller than the policy's minimum group size are not
shown. Paid orders not yet counted are counted first. The counts survive the deletion of the
orders they came from (AL13).
"""

from __future__ import annotations

import csv
import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from pledge.shop.stats import MonthStatistics, order_statistics, order_tallies_update


class Command(BaseCommand):
    help = "Anonymised statistics: orders by month, country shipped to and postage method."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        orders = actions.add_parser("orders", help="countries shipped to and postage methods")
        orders.add_argument("--format", choices=("text", "json", "csv"), default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        order_tallies_update()
        months = order_statistics()
        if options["format"] == "json":
            self.stdout.write(json.dumps([m.as_dict() for m in months], indent=2))
        elif options["format"] == "csv":
            self._csv(months)
        else:
            self._text(months)

    def _text(self, months: list[MonthStatistics]) -> None:
        smallest = settings.POLICY.analytics.min_group_size
        self.stdout.write(
            f"Orders by month ({settings.POLICY.time_zone}); groups of fewer than {smallest} "
            "orders are not shown."
        )
        if not months:
            self.stdout.write("No paid orders yet.")
        for month in months:
            total = month.orders if month.orders is not None else f"fewer than {smallest}"
            self.stdout.write(f"\n{month.month}: {total} orders")
            for label, groups, dimension in (
                ("countries shipped to", month.countries, "country"),
                ("postage methods", month.postage, "postage"),
            ):
                shown = ", ".join(f"{value} {count}" for value, count in groups) or "none shown"
                hidden = month.suppressed.get(dimension, 0)
                more = f" (+{hidden} smaller group{'s' if hidden != 1 else ''})" if hidden else ""
                self.stdout.write(f"  {label}: {shown}{more}")

    def _csv(self, months: list[MonthStatistics]) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["month", "dimension", "value", "orders"])
        for month in months:
            for dimension, groups in (("country", month.countries), ("postage", month.postage)):
                for value, count in groups:
                    writer.writerow([month.month, dimension, value, count])
