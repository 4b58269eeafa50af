"""The order statistics moved from correspondence to shop without losing a count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pledge.shop.models import OrderTally, TalliedOrder

BEFORE = [("correspondence", "0001_initial"), ("shop", "0002_alter_payment_order")]
AFTER = [("correspondence", "0002_order_tallies_to_shop"), ("shop", "0003_order_tallies")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.clause("AL13")
def test_tallies_counted_before_the_move_are_in_the_shop_after_it():
    # given a site whose statistics were kept by the correspondence app
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("correspondence", "OrderTally").objects.create(
        month="2024-05", dimension="country", value="JP", count=6
    )
    old.get_model("correspondence", "TalliedOrder").objects.create(
        order_id="6b1f3a5e-8d2c-4f7a-9e10-2b3c4d5e6f70"
    )
    # when it migrates
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    # then the counts are the shop's, unchanged
    tally = OrderTally.objects.get()
    assert (tally.month, tally.dimension, tally.value, tally.count) == (
        "2024-05",
        "country",
        "JP",
        6,
    )
    assert str(TalliedOrder.objects.get().order_id) == "6b1f3a5e-8d2c-4f7a-9e10-2b3c4d5e6f70"
