"""Fixtures for the audit tests: a short trail, and an intruder with raw database access."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper

from pledge.audit.models import AuditEvent
from pledge.audit.services import audit_record
from pledge.audit.triggers import append_only_disable, append_only_enable

SUBJECT = uuid.UUID("6f1c2b1e-3d4a-4c5b-9e8f-0a1b2c3d4e5f")


@pytest.fixture
def subject() -> uuid.UUID:
    """A pseudonymous subject id, as the vault hands out."""
    return SUBJECT


@pytest.fixture
def trail(db: None) -> list[AuditEvent]:
    """Ten events, each different, as the retention sweep and the rights desk would write."""
    return [
        audit_record(
            action="subject.erased" if n % 2 else "retention.purged",
            category="user.contact.email",
            count=n,
            rule=f"request R-{n:04d}",
            subject=SUBJECT if n % 3 == 0 else None,
            actor="system",
            detail={"strategy": "shred", "run": n},
        )
        for n in range(1, 11)
    ]


@pytest.fixture
def intruder(db: None) -> Callable[[], AbstractContextManager[CursorWrapper]]:
    """Someone with raw access to the database: drops the append-only triggers, edits the
    table with plain SQL, and (so later tests find the table as it should be) puts them back."""

    @contextmanager
    def raw_access() -> Iterator[CursorWrapper]:
        append_only_disable(connection)
        try:
            with connection.cursor() as cursor:
                yield cursor
        finally:
            append_only_enable(connection)

    return raw_access
