"""Orders taken by email, entered as the operator enters them, and finished when delivered.

``orders_enter`` goes through ``order_enter``, the service behind the operator admin's "add
order" form, with the business columns (when the email arrived, postage, payment method) the
operator would type. Payments come later, from the statements (``statements.py``), through
``pledge payments import``'s service, which marks the orders paid.

``orders_deliver`` records what happened after: dispatched, then delivered (completed). The
shop's ``order_complete`` stamps the present moment, which is right for a live site and wrong
for a history, so the demo writes the status and the two instants itself, in one update per
order; the retention of the ledger counts from ``completed_at``.
"""

from __future__ import annotations

from django.db import transaction

from pledge.demo.story import OrderStory
from pledge.shop.ledger import LineItem, order_enter, payment_match
from pledge.shop.models import Order, OrderStatus, Payment, PaymentMethod, PaymentStatus, Product


def orders_enter(*, orders: list[OrderStory], currency: str) -> None:
    """Enter every order; each story learns its reference and id."""
    products = {p.slug: p for p in Product.objects.all()}
    for story in orders:
        order = order_enter(
            order=Order(
                placed_at=story.placed_at,
                shipping_country=story.person.country,
                postage_method=story.postage_method,
                postage=story.postage,
                payment_method=PaymentMethod(story.method),
                currency=currency,
            ),
            lines=[
                LineItem(i.name, i.quantity, i.unit_price, products.get(i.slug))
                for i in story.items
            ],
            email=story.person.email,
            name=story.person.name,
            address=story.person.address,
            phone=story.person.phone,
            actor="demo",
        )
        story.reference, story.order_id = order.reference, order.pk


def payments_match_by_hand(*, orders: list[OrderStory]) -> int:
    """Transfers whose payer forgot the reference: matched in the admin, by its service."""
    matched = 0
    for story in orders:
        if story.quotes_reference or story.paid_at is None:
            continue
        payment = Payment.objects.filter(
            status=PaymentStatus.UNMATCHED, received_at=story.paid_at, amount=story.total
        ).first()
        if payment is not None:
            payment_match(payment=payment, order=Order.objects.get(pk=story.order_id), actor="demo")
            matched += 1
    return matched


def orders_deliver(*, orders: list[OrderStory]) -> None:
    """Dispatched and delivered, at the story's instants, for orders that got that far."""
    with transaction.atomic():
        for story in orders:
            if story.completed_at is not None:
                Order.objects.filter(pk=story.order_id).update(
                    status=OrderStatus.COMPLETED, completed_at=story.completed_at
                )
            elif story.dispatched_at is not None:
                Order.objects.filter(pk=story.order_id).update(status=OrderStatus.DISPATCHED)
