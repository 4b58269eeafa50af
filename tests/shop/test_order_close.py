"""Closing an order starts its retention, however it is closed, so none is kept forever."""

from __future__ import annotations

import datetime as dt

import pytest

from pledge.audit.models import AuditEvent
from pledge.retention.sweep import sweep_run
from pledge.shop.models import Order, OrderStatus
from pledge.shop.services import order_close, order_complete
from pledge.web.schedule import run_due_jobs
from tests.shop.conftest import TOKYO, email_order

pytestmark = pytest.mark.django_db
CLOSED_AT = dt.datetime(2024, 6, 1, 12, 0, tzinfo=TOKYO)


@pytest.mark.clause("AL11")
def test_an_order_cancelled_by_hand_is_deleted_on_the_schedule_of_a_completed_one(alps):
    # given an order never paid, which the operator cancels in the admin on 1 June 2024
    order = email_order()
    order_close(order=order, status=OrderStatus.CANCELLED, now=CLOSED_AT)
    # when it is closed again later, its retention does not start over
    order_close(order=order, status=OrderStatus.CANCELLED, now=CLOSED_AT + dt.timedelta(days=9))
    order.refresh_from_db()
    assert (order.status, order.completed_at) == (OrderStatus.CANCELLED, CLOSED_AT)
    # then, kept seven years after the fiscal year it closed in (to 31 March 2025) plus the
    # 30-day grace, it goes on 1 May 2032 with the orders of that year, and not before
    sweep_run(now=dt.datetime(2032, 4, 30, 23, tzinfo=TOKYO))
    assert Order.objects.filter(pk=order.pk).exists()
    sweep_run(now=dt.datetime(2032, 5, 1, tzinfo=TOKYO))
    assert not Order.objects.filter(pk=order.pk).exists()


def test_completing_an_unpaid_order_closes_it_as_cancelled_and_only_statuses_that_close_do(alps):
    order = email_order()
    order_complete(order=order, now=CLOSED_AT)
    order.refresh_from_db()
    assert (order.status, order.completed_at) == (OrderStatus.CANCELLED, CLOSED_AT)
    with pytest.raises(ValueError, match="not a closing status"):
        order_close(order=order, status=OrderStatus.PAID)


@pytest.mark.clause("AL11")
def test_an_order_never_paid_is_cancelled_by_the_scheduler_and_its_retention_starts(alps, settings):
    # given three orders placed on 1 May 2024: one never paid, one paid, one awaiting payment
    # but placed a week later
    placed = dt.datetime(2024, 5, 1, 10, 0, tzinfo=TOKYO)
    unpaid = email_order(placed_at=placed)
    paid = email_order(email="hiro@example.com", placed_at=placed)
    Order.objects.filter(pk=paid.pk).update(status=OrderStatus.PAID)
    recent = email_order(email="mei@example.jp", placed_at=placed + dt.timedelta(days=7))
    settings.UNPAID_ORDER_DAYS = 30
    # when the scheduler runs 31 days after the first was placed
    now = placed + dt.timedelta(days=31)
    run_due_jobs(now)
    # then only the order unpaid for more than 30 days is cancelled, closed as of that run
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {unpaid.pk: OrderStatus.CANCELLED, paid.pk: OrderStatus.PAID,
                        recent.pk: OrderStatus.AWAITING_PAYMENT}  # fmt: skip
    assert Order.objects.get(pk=unpaid.pk).completed_at == now
    event = AuditEvent.objects.get(action="orders.unpaid_cancelled")
    assert (event.count, event.category) == (1, "user.behavior.purchase_history")
    # and running again cancels nothing more, nor moves the first close
    run_due_jobs(now + dt.timedelta(hours=1))
    assert Order.objects.get(pk=unpaid.pk).completed_at == now
    assert AuditEvent.objects.filter(action="orders.unpaid_cancelled").count() == 1
