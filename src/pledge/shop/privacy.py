"""The shop's personal data, declared to the datamap."""

from pledge.datamap.registry import Holder, NoPersonalData, Strategy, declare
from pledge.shop.models import PURCHASES, Order, OrderLine, Payment, Product

declare(
    NoPersonalData(Product, reason="the catalogue"),
    Holder(
        Order,
        category=PURCHASES,
        strategy=Strategy.SHRED,
        subject="subject_id",
        anchor="completed_at",
        description="Orders: delivery details encrypted, amounts and dates in clear.",
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
)
