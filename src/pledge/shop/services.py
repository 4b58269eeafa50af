"""Writes of the shop: placing orders and recording payments."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.shop.basket import BasketLine
from pledge.shop.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from pledge.shop.postage import postage_for
from pledge.vault.models import Subject, SubjectKind
from pledge.vault.services import subject_for_email

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


class EmptyBasket(ValueError):
    pass


def order_reference(prefix: str = "JC") -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


@dataclass(frozen=True, slots=True)
class Delivery:
    name: str
    address: str
    country: str
    email: str
    phone: str = ""


@transaction.atomic
def order_place(
    *,
    lines: list[BasketLine],
    delivery: Delivery,
    payment_method: PaymentMethod,
    subject: Subject | None = None,
) -> Order:
    """Turn a basket into an order awaiting payment.

    A guest's order belongs to the subject their address identifies (created on first sight),
    so a later access or erasure request finds it.
    """
    if not lines:
        raise EmptyBasket("the basket is empty")
    if subject is None:
        subject = subject_for_email(email=delivery.email, kind=SubjectKind.CUSTOMER)
    subtotal = sum((line.amount for line in lines), Decimal("0"))
    postage = postage_for(delivery.country, subtotal)
    order = Order.objects.create(
        reference=order_reference(),
        subject=subject,
        subtotal=subtotal,
        postage=postage.price,
        total=subtotal + postage.price,
        shipping_country=delivery.country,
        postage_method=postage.method,
        payment_method=payment_method,
        delivery_name=delivery.name,
        delivery_address=delivery.address,
        email=delivery.email,
        phone=delivery.phone or None,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            product_name=line.product.name,
            quantity=line.quantity,
            unit_price=line.product.price,
        )
        for line in lines
    )
    audit_record(
        action="order.placed",
        subject=subject.pk,
        category="user.behavior.purchase_history",
        detail={"reference": order.reference, "method": str(payment_method)},
    )
    return order


@transaction.atomic
def payment_record(
    *,
    order: Order,
    method: PaymentMethod,
    amount: Decimal,
    reference: str,
    payer_name: str | None = None,
    actor: str = "system",
) -> Payment:
    """Record money received for an order; the order is paid when the total is covered."""
    payment = Payment.objects.create(
        order=order,
        subject=order.subject,
        method=method,
        status=PaymentStatus.RECEIVED,
        amount=amount,
        currency=order.currency,
        reference=reference,
        payer_name=payer_name,
    )
    received = sum(
        (p.amount for p in order.payments.filter(status=PaymentStatus.RECEIVED)), Decimal("0")
    )
    if received >= order.total and order.status == OrderStatus.AWAITING_PAYMENT:
        order.status, order.paid_at = OrderStatus.PAID, timezone.now()
        order.save(update_fields=["status", "paid_at"])
    audit_record(
        action="payment.recorded",
        subject=order.subject_id,
        category="user.behavior.purchase_history",
        actor=actor,
        detail={"reference": order.reference, "method": str(method)},
    )
    return payment


@transaction.atomic
def order_complete(*, order: Order, now: dt.datetime | None = None) -> None:
    """The order's business is over, and its retention period counts from now: a paid order
    is completed; one never paid, or cancelled, is closed as cancelled (so it is never counted
    in the statistics as a sale)."""
    sold = order.status in (OrderStatus.PAID, OrderStatus.DISPATCHED, OrderStatus.COMPLETED)
    order_close(order=order, status=OrderStatus.COMPLETED if sold else OrderStatus.CANCELLED,
                now=now)  # fmt: skip


CLOSED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED)


@transaction.atomic
def orders_unpaid_cancel(*, now: dt.datetime, after: dt.timedelta) -> int:
    """Cancel the orders still awaiting payment ``after`` their placing; how many.

    Retention counts from an order's close, and an order never paid is never closed by anyone:
    without this its buyer's name and address would stay for ever. One audit event for all.
    """
    stale = Order.objects.filter(
        status=OrderStatus.AWAITING_PAYMENT, placed_at__lt=now - after, completed_at=None
    )
    count = stale.update(status=OrderStatus.CANCELLED, completed_at=now)
    if count:
        audit_record(
            action="orders.unpaid_cancelled",
            category="user.behavior.purchase_history",
            count=count,
            detail={"unpaid_for_days": after.days},
        )
    return count


@transaction.atomic
def order_close(*, order: Order, status: OrderStatus, now: dt.datetime | None = None) -> None:
    """Set a closing status (completed or cancelled): the order's retention counts from the
    first close (``completed_at``), so an order closed by hand in the admin is deleted on
    schedule like any other, and closing it again does not restart its retention."""
    if status not in CLOSED:
        raise ValueError(f"{status} is not a closing status")
    order.status = status
    if order.completed_at is None:
        order.completed_at = now or timezone.now()
    order.save(update_fields=["status", "completed_at"])
