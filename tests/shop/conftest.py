"""The ALPS business: orders taken by email, PayPal and bank statements, statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from pledge.policy import load
from pledge.shop.ledger import LineItem, order_enter
from pledge.shop.models import Order, PaymentMethod
from tests.correspondence.conftest import reload_urls

POLICIES = Path(__file__).resolve().parents[2] / "policies"
ALPS = load(POLICIES / "alps.yaml")
TOKYO = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def alps(settings):
    """The alps policy in force, URLs included, prices in yen; then back as it was."""
    before = settings.POLICY
    settings.POLICY, settings.SHOP_CURRENCY = ALPS, "JPY"
    reload_urls()
    try:
        yield ALPS
    finally:
        settings.POLICY = before
        reload_urls()


def email_order(
    *,
    email: str = "kaori@example.jp",
    name: str = "Kaori Sato",
    country: str = "JP",
    postage_method: str = "Yamato",
    postage: str = "800",
    total_items: str = "12000",
    placed_at: dt.datetime | None = None,
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER,
) -> Order:
    """An order as the operator enters it from a customer's email."""
    order = Order(
        placed_at=placed_at or dt.datetime(2024, 5, 1, 10, 0, tzinfo=TOKYO),
        shipping_country=country,
        postage_method=postage_method,
        postage=Decimal(postage),
        payment_method=method,
        currency="JPY",
    )
    return order_enter(
        order=order,
        lines=[LineItem("Toner cartridge TN-243", 2, Decimal(total_items) / 2)],
        email=email,
        name=name,
        address="1-2-3 Umeda, Osaka",
        actor="test",
    )
