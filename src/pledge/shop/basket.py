"""The basket, kept in the server-side session behind the one declared cookie (JC11).

Only product ids and quantities are stored; the session is purged after the policy's idle time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from pledge.shop.models import Product

SESSION_KEY = "basket"
MAX_QUANTITY = 99


@dataclass(frozen=True, slots=True)
class BasketLine:
    product: Product
    quantity: int

    @property
    def amount(self) -> Decimal:
        return self.product.price * self.quantity


class Basket:
    def __init__(self, session: SessionBase):
        self.session = session

    def _items(self) -> dict[str, int]:
        return dict(self.session.get(SESSION_KEY, {}))

    def _save(self, items: dict[str, int]) -> None:
        self.session[SESSION_KEY] = {k: v for k, v in items.items() if v > 0}

    def add(self, product: Product, quantity: int = 1) -> None:
        items = self._items()
        items[str(product.pk)] = min(items.get(str(product.pk), 0) + quantity, MAX_QUANTITY)
        self._save(items)

    def set(self, product: Product, quantity: int) -> None:
        items = self._items()
        items[str(product.pk)] = max(0, min(quantity, MAX_QUANTITY))
        self._save(items)

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)

    def lines(self) -> list[BasketLine]:
        items = self._items()
        products = Product.objects.filter(pk__in=[int(k) for k in items], active=True)
        return [BasketLine(p, items[str(p.pk)]) for p in products.order_by("name")]

    def count(self) -> int:
        return sum(self._items().values())

    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines()), Decimal("0"))
