"""Template helpers of the public site."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.conf import settings

register = template.Library()

_SYMBOLS = {"GBP": "£", "JPY": "¥", "EUR": "€", "USD": "$"}


@register.filter
def money(amount: Decimal | int | None, currency: str = "") -> str:
    """'£12.95' or '¥9,800': yen have no minor unit."""
    if amount is None:
        return ""
    currency = currency or settings.SHOP_CURRENCY
    symbol = _SYMBOLS.get(currency, f"{currency} ")
    if currency == "JPY":
        return f"{symbol}{int(amount):,}"
    return f"{symbol}{Decimal(amount):,.2f}"


@register.filter
def country_name(code: str) -> str:
    from pledge.shop.postage import COUNTRIES

    return COUNTRIES.get(code, code)
