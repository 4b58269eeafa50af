"""The anchors of one subject's rows in a holder, by a query compiled once per process.

The erasure service asks every holder for the subject's rows on every erasure, a dozen
queries of one indexed column each. Compiling such an ORM query costs about ten times running
it (1.8 ms against 0.14 ms on SQLite here), so each holder's query is compiled once, for a
placeholder subject, and run afterwards with the subject swapped into its parameters and the
ORM's own converters applied to what comes back: the same SQL and the same values the
queryset would give.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connections, router

from pledge.datamap.registry import Holder

# A subject id no one has: compiled into the query, then found among its parameters.
_PLACEHOLDER = uuid.UUID("5ab1ec70-0000-4000-8000-00000000a0c4")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slot: int  # where the placeholder's value is in params
    converters: tuple[Any, ...]  # the ORM's converters of the one column
    expression: Any  # what they convert


_compiled: dict[tuple[str, str], _Compiled] = {}
_lock = threading.Lock()


def _compile(holder: Holder, alias: str) -> _Compiled:
    assert holder.subject is not None
    column = holder.anchor or "pk"
    rows = holder.model._default_manager.using(alias).filter(**{holder.subject: _PLACEHOLDER})
    compiler = rows.values_list(column).query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    ways = {_PLACEHOLDER, _PLACEHOLDER.hex, str(_PLACEHOLDER)}
    slots = [i for i, p in enumerate(params) if isinstance(p, uuid.UUID | str) and p in ways]
    if len(slots) != 1:
        raise RuntimeError(f"{holder.label}: the subject is not one parameter of {sql!r}")
    ((expression, _, _),) = compiler.select
    converters, _ = compiler.get_converters([expression]).get(0, ((), None))
    return _Compiled(sql, tuple(params), slots[0], tuple(converters), expression)


def _as_parameter(subject_id: uuid.UUID, like: object) -> object:
    """The subject id in the form the database was given the placeholder."""
    if isinstance(like, uuid.UUID):
        return subject_id
    return subject_id.hex if like == _PLACEHOLDER.hex else str(subject_id)


def anchors_of(holder: Holder, subject_id: uuid.UUID) -> list[dt.datetime | None]:
    """The anchor of each of the subject's rows in ``holder`` (None for holders without one):
    one column, never the encrypted rows."""
    alias = router.db_for_read(holder.model)
    key = (holder.label, alias)
    compiled = _compiled.get(key)
    if compiled is None:
        with _lock:
            compiled = _compiled[key] = _compile(holder, alias)
    params = list(compiled.params)
    params[compiled.slot] = _as_parameter(subject_id, compiled.params[compiled.slot])
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    if holder.anchor is None:
        return [None] * len(rows)
    values = []
    for (value,) in rows:
        for convert in compiled.converters:
            value = convert(value, compiled.expression, connection)
        values.append(value)
    return values
