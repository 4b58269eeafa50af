"""``pledge stats orders`` (AL10): countries and postage per month, small groups suppressed,
and counts that outlive every deletion of the data they came from (AL13)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from pledge.datamap import registry
from pledge.datamap.erasure import subject_erase
from pledge.retention.sweep import sweep_run
from pledge.shop.models import Order, OrderStatus, OrderTally
from pledge.shop.services import order_complete
from pledge.shop.stats import order_statistics, order_tallies_update
from pledge.vault.models import Subject
from tests.shop.conftest import ALPS, TOKYO, email_order

pytestmark = pytest.mark.django_db


def _paid(**kwargs) -> Order:
    order = email_order(**kwargs)
    order.status = OrderStatus.PAID
    order.save(update_fields=["status"])
    return order


@pytest.fixture
def shipped(alps):
    """Six parcels to Japan by Yamato and two to the US by EMS in May 2024; five to the US in
    June; and orders that must not count: unpaid, cancelled, a conformance run's."""
    may, june = dt.datetime(2024, 5, 10, tzinfo=TOKYO), dt.datetime(2024, 6, 10, tzinfo=TOKYO)
    for n in range(6):
        _paid(email=f"jp{n}@example.jp", placed_at=may)
    for n in range(2):
        _paid(email=f"us{n}@example.com", country="US", postage_method="EMS", placed_at=may)
    # 23:30 on 31 May in Tokyo is still May there (14:30 UTC)
    _paid(email="late@example.com", country="US", postage_method="EMS",
          placed_at=dt.datetime(2024, 5, 31, 23, 30, tzinfo=TOKYO))  # fmt: skip
    for n in range(5):
        _paid(email=f"june{n}@example.com", country="US", postage_method="EMS", placed_at=june)
    email_order(email="unpaid@example.jp", placed_at=may)
    cancelled = _paid(email="cancelled@example.jp", placed_at=may)
    cancelled.status = OrderStatus.CANCELLED
    cancelled.save(update_fields=["status"])
    synthetic = _paid(email="robot@example.jp", placed_at=may)
    Subject.objects.filter(pk=synthetic.subject_id).update(synthetic=True)


@pytest.mark.clause("AL10")
def test_counts_per_month_with_groups_below_the_minimum_suppressed(shipped):
    order_tallies_update()
    may, june = order_statistics()
    assert (may.month, may.orders) == ("2024-05", 9)
    assert may.countries == [("JP", 6)] and may.suppressed == {"country": 1, "postage": 1}
    assert may.postage == [("Yamato", 6)]
    assert (june.month, june.orders, june.countries, june.postage) == (
        "2024-06", 5, [("US", 5)], [("EMS", 5)]
    )  # fmt: skip
    assert settings.POLICY.analytics.min_group_size == 5


@pytest.mark.clause("AL10")
def test_each_order_is_counted_once_however_often_the_tallies_are_updated(shipped):
    assert order_tallies_update() == 14
    assert order_tallies_update() == 0
    _paid(email="new@example.jp", placed_at=dt.datetime(2024, 6, 11, tzinfo=TOKYO))
    assert order_tallies_update() == 1
    june = order_statistics()[1]
    assert june.orders == 6


@pytest.mark.clause("AL10")
def test_the_command_shows_counts_only(shipped, capsys):
    call_command("stats", "orders")
    out = capsys.readouterr().out
    assert "groups of fewer than 5 orders are not shown" in out
    assert "2024-05: 9 orders" in out and "countries shipped to: JP 6 (+1 smaller group)" in out
    assert "@" not in out
    call_command("stats", "orders", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data[1] == {
        "month": "2024-06",
        "orders": 5,
        "countries": {"US": 5},
        "postage_methods": {"EMS": 5},
        "groups_suppressed": {},
    }


@pytest.mark.clause("AL13")
@pytest.mark.clause("AL10")
def test_the_statistics_survive_erasure_and_the_end_of_retention(shipped):
    # given the statistics as the operator reads them
    call_command("stats", "orders")
    before = [m.as_dict() for m in order_statistics()]
    # when every customer asks to be erased (their orders are kept by law)...
    for subject in Subject.objects.all():
        subject_erase(subject_id=subject.pk, reason="letter")
    # ...and, years later, the orders themselves reach the end of their statutory period
    for order in Order.objects.all():
        order_complete(order=order)
    if "pledge.retention" in settings.INSTALLED_APPS:
        from pledge.retention.sweep import sweep_run

        sweep_run(now=dt.datetime(2040, 6, 1, tzinfo=TOKYO))
    else:  # the same deletion the sweep makes, through the datamap's holders
        for holder in registry.holders(ALPS):
            if holder.category_in(ALPS) == "user.behavior.purchase_history":
                holder.model._default_manager.all().delete()
    assert not Order.objects.exists()
    # then the statistics are exactly what they were
    call_command("stats", "orders")
    assert [m.as_dict() for m in order_statistics()] == before


@pytest.mark.clause("AL10", "AL13")
def test_the_sweep_counts_orders_no_one_counted_before_it_deletes_them(shipped):
    # given paid orders never counted (no one ran pledge stats), long past their retention
    for order in Order.objects.all():
        order_complete(order=order)
    assert not OrderTally.objects.exists()
    # when the retention sweep deletes them
    sweep_run(now=dt.datetime(2040, 6, 1, tzinfo=TOKYO))
    assert not Order.objects.exists()
    # then every paid order was counted first
    may, june = order_statistics()
    assert (may.orders, june.orders) == (9, 5)


def test_pledge_stats_and_payments_are_real_commands(monkeypatch):
    import pledge.cli

    handed: list[list[str]] = []
    monkeypatch.setattr(pledge.cli, "_django", lambda argv: handed.append(list(argv)) or 0)
    assert pledge.cli.main(["stats", "orders"]) == 0
    assert pledge.cli.main(["payments", "import", "paypal.csv"]) == 0
    assert handed == [["stats", "orders"], ["payments", "import", "paypal.csv"]]


def test_no_orders_yet(alps, capsys):
    call_command("stats", "orders")
    assert "No paid orders yet." in capsys.readouterr().out
