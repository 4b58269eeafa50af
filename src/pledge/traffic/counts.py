"""Writing counts: increments that two writers can make at once, and a day's recount.

Increments are ``INSERT ... ON CONFLICT DO UPDATE SET views = views + excluded.views``, which
SQLite (3.24+) and PostgreSQL both apply atomically row by row, so ``pledge serve`` and an
import running beside it never lose each other's counts. On PostgreSQL an advisory lock also
serialises a recount (delete and rewrite of one day) against increments to that day.
"""

from __future__ import annotations

import datetime as dt
from itertools import batched, chain

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

    A day of a busy site has tens of thousands of groups, so the rows go in as a set, never a
    statement each: on PostgreSQL copied into a temporary table and merged by one statement;
    on SQLite many rows a statement, on the driver's own connection (Django's wrapper would
    rewrite each statement's placeholders and adapt each date, which costs more than the
    insert).
    """
    if rows.height == 0:
        return 0
    # In the unique index's order: each row lands next to the last one, not anywhere.
    rows = rows.select("day", "dimension", "value", "views", "visitors").sort(
        "day", "dimension", "value"
    )
    with transaction.atomic():
        _lock()
        if connection.vendor == "postgresql":
            _add_copied(rows)
        elif connection.vendor == "sqlite":
            _add_sqlite(rows)
        else:
            _add_portable(rows)
    return rows.height


_TABLE = DailyCount._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (day, dimension, value, views, visitors) {{rows}} "
    "ON CONFLICT (day, dimension, value) DO UPDATE SET "
    f"views = {_TABLE}.views + excluded.views, visitors = {_TABLE}.visitors + excluded.visitors"
)


def _add_copied(rows: pl.DataFrame) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE traffic_increase (day date, dimension text, value text, "
            "views bigint, visitors bigint) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            "COPY traffic_increase (day, dimension, value, views, visitors) FROM STDIN"
        ) as copy:
            for record in rows.iter_rows():
                copy.write_row(record)
        cursor.execute(_UPSERT.format(rows="SELECT * FROM traffic_increase ORDER BY 1, 2, 3"))
        cursor.execute("DROP TABLE traffic_increase")


def _add_sqlite(rows: pl.DataFrame) -> None:
    connection.ensure_connection()
    db = connection.connection  # the sqlite3 connection, inside Django's transaction
    text = rows.with_columns(pl.col("day").dt.to_string("%Y-%m-%d"))  # as Django stores dates
    for batch in text.iter_slices(BATCH):
        records = batch.rows()
        values = "VALUES " + ", ".join(["(?, ?, ?, ?, ?)"] * len(records))
        db.execute(_UPSERT.format(rows=values), list(chain.from_iterable(records)))


def _add_portable(rows: pl.DataFrame) -> None:
    with connection.cursor() as cursor:
        for batch in batched(rows.iter_rows(), BATCH):
            values = "VALUES " + ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(_UPSERT.format(rows=values), [f for record in batch for f in record])


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
