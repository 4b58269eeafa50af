"""Reads of the shop."""

from __future__ import annotations

from django.db.models import QuerySet

from pledge.shop.models import Order, Product
from pledge.vault.models import Subject


def products_active() -> QuerySet[Product]:
    return Product.objects.filter(active=True)


def product_sections() -> list[str]:
    return list(products_active().values_list("section", flat=True).distinct().order_by("section"))


def orders_of(*, subject: Subject) -> QuerySet[Order]:
    return Order.objects.filter(subject=subject).prefetch_related("lines")
