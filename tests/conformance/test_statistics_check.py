"""``stores.statistics``: what makes a statistic single someone out, and what does not."""

from __future__ import annotations

import datetime as dt

import pytest

from pledge.conformance.checks.statistics import StatisticsAnonymised, identifier_in
from pledge.conformance.results import Status
from pledge.shop.models import OrderTally
from pledge.traffic.models import DailyCount
from tests.conformance.test_scans import ALPS, context

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 5, 14)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("/u/bob@example.com/", "an e-mail address"),
        ("/hosts/10.0.0.1/", "a network address"),
        ("2001:db8::1", "a network address"),
        ("/releases/v1.2.3/", None),
        ("Feed::Fetcher", None),
        ("/dead/beef", None),
        ("Mobile Safari", None),
    ],
)
def test_identifiers_are_told_from_ordinary_group_names(value, found):
    assert identifier_in(value, addresses=True) == found


def _count(dimension: str, value: str, visitors: int = 9) -> DailyCount:
    return DailyCount.objects.create(
        day=DAY, dimension=dimension, value=value, views=visitors * 2, visitors=visitors
    )


@pytest.mark.clause("AL10", "JC8")
def test_ordinary_counts_keep_the_promise_and_a_server_address_as_referrer_is_no_one(settings):
    settings.POLICY = ALPS
    for dimension, value in [("site", "human"), ("page", "/printers/"), ("country", "JP"),
                             ("referrer", "203.0.113.5"), ("browser", "Firefox")]:  # fmt: skip
        _count(dimension, value)
    OrderTally.objects.create(month="2025-05", dimension="country", value="JP", count=2)

    result = StatisticsAnonymised().run(context(ALPS))

    assert result.status is Status.KEPT, result
    assert "5 visit counts and 1 order tally" in result.summary


@pytest.mark.clause("AL10", "JC8")
def test_a_group_named_by_an_email_or_a_visitors_address_is_named_with_its_row(settings):
    settings.POLICY = ALPS
    _count("site", "human")
    leak = _count("page", "/unsubscribe/aiko@example.org/")
    _count("bot", "scanner from 198.51.100.23")
    tally = OrderTally.objects.create(month="2025-05", dimension="postage", value="aiko@x.jp")

    result = StatisticsAnonymised().run(context(ALPS))

    assert result.status is Status.BROKEN
    where = {e.text: e.where for e in result.evidence}  # places of one finding, together
    assert (
        f"traffic.DailyCount row {leak.pk} (2025-05-14, page)"
        in where["a group named by an e-mail address"]
    )
    assert (
        f"shop.OrderTally row {tally.pk} (2025-05, postage)"
        in where["a group named by an e-mail address"]
    )
    assert "(2025-05-14, bot)" in where["a group named by a network address"]
