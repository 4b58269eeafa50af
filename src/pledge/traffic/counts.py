"""Writing counts: increments that two writers can make at once, and a day's recount.

Increments are one ``INSERT ... ON CONFLICT DO UPDATE SET views = views + excluded.views``
per row, which SQLite (3.24+) and PostgreSQL both apply atomically, so ``pledge serve`` and an
import running beside it never lose each other's counts. On PostgreSQL an advisory lock also
serialises a recount (delete and rewrite of one day) against increments to that day.
"""

from __future__ import annotations

import datetime as dt
from itertools import batched

import polars as pl
from django.db import connection, transaction

from pledge.traffic.models import DailyCount

# "pl.traffc" in ASCII: fixed, so every process takes the same lock.
COUNTS_LOCK_KEY = 0x706C2E7472616666
BATCH = 500  # rows a statement: 2,500 parameters, under every backend's limit


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COUNTS_LOCK_KEY])


def counts_add(rows: pl.DataFrame) -> int:
    """Add (day, dimension, value, views, visitors) rows to ``DailyCount``; how many rows.

    Many rows a statement (a multi-row VALUES list): a day of a busy site has tens of thousands
    of groups, and one statement per row would cost more than counting their lines.
    """
    if rows.height == 0:
        return 0
    table = DailyCount._meta.db_table
    records = rows.select("day", "dimension", "value", "views", "visitors").iter_rows()
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            for batch in batched(records, BATCH):
                values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
                cursor.execute(
                    f"INSERT INTO {table} (day, dimension, value, views, visitors) "  # noqa: S608
                    f"VALUES {values} "
                    "ON CONFLICT (day, dimension, value) DO UPDATE SET "
                    f"views = {table}.views + excluded.views, "
                    f"visitors = {table}.visitors + excluded.visitors",
                    [field for record in batch for field in record],
                )
    return rows.height


def counts_replace(day: dt.date, rows: pl.DataFrame) -> int:
    """Make ``rows`` the whole of ``day``'s counts (a recount from the raw lines)."""
    with transaction.atomic():
        _lock()
        DailyCount.objects.filter(day=day).delete()
        DailyCount.objects.bulk_create(
            (
                DailyCount(day=d, dimension=dim, value=value, views=views, visitors=visitors)
                for d, dim, value, views, visitors in rows.select(
                    "day", "dimension", "value", "views", "visitors"
                ).iter_rows()
            ),
            batch_size=BATCH,
        )
    return rows.height
