"""Appending to the audit trail: the only way an event is ever written."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from pledge.audit.chain import GENESIS, event_digest
from pledge.audit.models import AuditEvent

# The key of the PostgreSQL advisory lock that serialises appends: the ASCII bytes "pl.audit".
# Fixed, so every process takes the same lock; any other user of advisory locks must avoid it.
CHAIN_LOCK_KEY = 0x706C2E6175646974

_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
# "Contains an @ with a dot after it": a deliberately wide net, since a false alarm costs a
# reworded detail and a miss puts an address in a log that can never be edited.
_EMAIL_LIKE = re.compile(r"@.*\.", re.DOTALL)


def audit_record(
    *,
    action: str,
    category: str = "",
    count: int = 0,
    rule: str = "",
    subject: uuid.UUID | str | None = None,
    actor: str = "system",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain and return it.

    Appends are serialised, so two writers can never both chain onto the same predecessor: on
    PostgreSQL by an advisory lock held until commit; on SQLite because pledge opens every
    transaction with BEGIN IMMEDIATE, which already takes the database's single write lock.
    ``select_for_update`` would not do: locking the last row stops no one from inserting the
    next, and an empty table has no row to lock. Whatever the backend, the sequence number is
    the primary key, so a writer that somehow raced would fail rather than fork the chain.

    Called inside a caller's transaction, the event commits or rolls back with the work it
    describes. Raises ``ValueError`` for input that could put personal data in the log.
    """
    fields = {
        "action": _checked_action(action),
        "category": _checked_text("category", category),
        "count": _checked_count(count),
        "rule": _checked_text("rule", rule),
        "subject": _checked_subject(subject),
        "actor": _checked_text("actor", actor),
        "detail": _checked_detail(detail),
    }
    alias = router.db_for_write(AuditEvent)
    with transaction.atomic(using=alias):
        _lock_chain(connections[alias])
        events = AuditEvent.objects.using(alias)
        last = events.order_by("-sequence").values_list("sequence", "hash").first()
        sequence, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        occurred_at = timezone.now()
        digest = event_digest(occurred_at=occurred_at, prev_hash=prev_hash, **fields)
        return events.create(
            sequence=sequence, occurred_at=occurred_at, prev_hash=prev_hash, hash=digest, **fields
        )


def _lock_chain(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _checked_action(action: str) -> str:
    if not _ACTION.fullmatch(action) or len(action) > _max_length("action"):
        raise ValueError(
            f"audit action {action!r} must be a short dotted slug such as 'subject.erased'"
        )
    return action


def _checked_text(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"audit {name} must be a string, not {value!r}")
    if len(value) > _max_length(name):
        raise ValueError(f"audit {name} is longer than {_max_length(name)} characters")
    _refuse_email(name, value)
    return value


def _checked_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"audit count must be a whole number of records, not {count!r}")
    return count


def _checked_subject(subject: uuid.UUID | str | None) -> uuid.UUID | None:
    """The pseudonymous id, and only that: anything that is not a UUID is refused."""
    if subject is None or isinstance(subject, uuid.UUID):
        return subject
    try:
        return uuid.UUID(subject)
    except (TypeError, ValueError, AttributeError):
        raise ValueError(
            "audit subject must be a pseudonymous subject id (a UUID), never a name or address"
        ) from None


def _checked_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``detail`` exactly as the database will give it back, once checked.

    Floats are refused: PostgreSQL's jsonb may print them differently from Python, and an event
    whose stored form differs from its hashed form would read as altered forever after.
    """
    if detail is None:
        return {}
    if not isinstance(detail, Mapping):
        raise ValueError("audit detail must be a mapping of non-personal facts")
    _check_json("detail", detail)
    return json.loads(json.dumps(detail))


def _check_json(path: str, value: Any) -> None:
    if isinstance(value, str):
        _refuse_email(path, value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"audit {path} has a key that is not a string: {key!r}")
            _refuse_email(path, key)
            _check_json(f"{path}[{key!r}]", item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(f"{path}[{index}]", item)
    elif not (value is None or isinstance(value, int)):
        raise ValueError(
            f"audit {path} is a {type(value).__name__}: detail holds strings, whole numbers, "
            "booleans, null, lists and mappings only"
        )


def _refuse_email(path: str, text: str) -> None:
    if _EMAIL_LIKE.search(text):
        raise ValueError(
            f"audit {path} looks like an email address: the audit trail holds no personal "
            "data in clear (use the pseudonymous subject id)"
        )


def _max_length(name: str) -> int:
    return AuditEvent._meta.get_field(name).max_length or 0
