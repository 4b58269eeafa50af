"""The shop's personal data, declared to the datamap.

Orders are counted into the anonymised monthly statistics (``stats.order_tallies_update``)
before any is erased, by retention or on request: the statistics outlive the orders (AL10,
AL13), so no order may go uncounted.
"""

from pledge.datamap.registry import Holder, NoPersonalData, Strategy, declare
from pledge.shop.models import (
    PURCHASES,
    Order,
    OrderLine,
    OrderTally,
    Payment,
    Product,
    TalliedOrder,
)
from pledge.shop.stats import order_tallies_update

declare(
    NoPersonalData(Product, reason="the catalogue"),
    Holder(
        Order,
        category=PURCHASES,
        strategy=Strategy.SHRED,
        subject="subject_id",
        anchor="completed_at",
        description="Orders: delivery details encrypted, amounts and dates in clear.",
        before_erase=order_tallies_update,
    ),
    Holder(
        OrderLine,
        category=PURCHASES,
        strategy=Strategy.DELETE_ROWS,
        subject="order__subject_id",
        anchor="order__completed_at",
        description="What was ordered; goes with its order.",
    ),
    Holder(
        Payment,
        category=PURCHASES,
        strategy=Strategy.SHRED,
        subject="subject_id",
        anchor="received_at",
        description="Bank transfer, PayPal and card-page payments: payer encrypted.",
    ),
    NoPersonalData(
        OrderTally,
        reason="anonymised monthly counts of countries shipped to and postage methods (AL10)",
    ),
    NoPersonalData(TalliedOrder, reason="random ids of orders already counted in the tallies"),
)
