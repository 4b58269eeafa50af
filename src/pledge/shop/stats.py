"""Anonymised order statistics (AL10): countries shipped to and postage methods, per month.

Each paid order is counted once into monthly tallies (``OrderTally``) and the order's id noted
so it is never counted again. The tallies hold counts only, so they stay when the orders, the
customers and the mail they came from are erased or reach the end of their retention: the
seed keeps statistics derived from the data (AL13). Retention should run
``order_tallies_update`` before deleting orders, so nothing goes uncounted.

Groups smaller than the policy's ``analytics.min_group_size`` are never shown; a month's total
is shown only when it is not small either. Months are calendar months in the policy's time
zone, fixed buckets, so no choice of range can isolate one order by subtraction. Orders of
synthetic subjects (conformance runs) are not counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F

from pledge.policy import Policy
from pledge.shop.models import Order, OrderStatus, OrderTally, TalliedOrder
from pledge.shop.models import TallyDimension as Dimension

COUNTED = (OrderStatus.PAID, OrderStatus.DISPATCHED, OrderStatus.COMPLETED)


@transaction.atomic
def order_tallies_update(*, policy: Policy | None = None) -> int:
    """Count every paid order not yet counted; returns how many were counted now."""
    zone = ZoneInfo((policy or settings.POLICY).time_zone)
    pending = (
        Order.objects.filter(status__in=COUNTED, subject__synthetic=False)
        .exclude(id__in=TalliedOrder.objects.values("order_id"))
        .only("id", "placed_at", "shipping_country", "postage_method")
    )
    cells: Counter[tuple[str, str, str]] = Counter()
    ids = []
    for order in pending.iterator(chunk_size=2000):
        month = order.placed_at.astimezone(zone).strftime("%Y-%m")
        cells[(month, Dimension.COUNTRY, order.shipping_country.upper())] += 1
        cells[(month, Dimension.POSTAGE, order.postage_method)] += 1
        ids.append(order.id)
    for (month, dimension, value), count in cells.items():
        tally, _ = OrderTally.objects.get_or_create(month=month, dimension=dimension, value=value)
        OrderTally.objects.filter(pk=tally.pk).update(count=F("count") + count)
    TalliedOrder.objects.bulk_create(TalliedOrder(order_id=i) for i in ids)
    return len(ids)


@dataclass
class MonthStatistics:
    month: str
    orders: int | None  # None when the month's total is itself a small group
    countries: list[tuple[str, int]] = field(default_factory=list)
    postage: list[tuple[str, int]] = field(default_factory=list)
    suppressed: dict[str, int] = field(default_factory=dict)  # dimension: groups not shown

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "orders": self.orders,
            "countries": dict(self.countries),
            "postage_methods": dict(self.postage),
            "groups_suppressed": self.suppressed,
        }


def order_statistics(*, policy: Policy | None = None) -> list[MonthStatistics]:
    """The tallies as they may be shown: small groups suppressed, largest groups first."""
    smallest = (policy or settings.POLICY).analytics.min_group_size
    months: dict[str, MonthStatistics] = {}
    totals: Counter[str] = Counter()
    for tally in OrderTally.objects.order_by("month", "dimension", "-count", "value"):
        month = months.setdefault(tally.month, MonthStatistics(tally.month, None))
        if tally.dimension == Dimension.COUNTRY:
            totals[tally.month] += tally.count
        if tally.count < smallest:
            month.suppressed[tally.dimension] = month.suppressed.get(tally.dimension, 0) + 1
            continue
        shown = month.countries if tally.dimension == Dimension.COUNTRY else month.postage
        shown.append((tally.value, tally.count))
    for name, month in months.items():
        month.orders = totals[name] if totals[name] >= smallest else None
    return list(months.values())
