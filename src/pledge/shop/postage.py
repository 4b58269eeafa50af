"""Postage: a flat rate by destination, free over a threshold in the UK."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Postage:
    method: str
    price: Decimal


UK_FREE_OVER = Decimal("50.00")
COUNTRIES = {
    "GB": "United Kingdom", "IE": "Ireland", "FR": "France", "DE": "Germany",
    "NL": "Netherlands", "BE": "Belgium", "ES": "Spain", "IT": "Italy",
}  # fmt: skip


def postage_for(country: str, subtotal: Decimal) -> Postage:
    if country == "GB":
        if subtotal >= UK_FREE_OVER:
            return Postage("Royal Mail Tracked 48 (free over £50)", Decimal("0.00"))
        return Postage("Royal Mail Tracked 48", Decimal("4.95"))
    return Postage("International Tracked", Decimal("14.50"))
