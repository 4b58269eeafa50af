"""Reading the audit trail: one subject's events, and the verification of the whole chain."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator

from django.db.models import QuerySet

from pledge.audit.models import AuditEvent
from pledge.audit.verify import FIELDS, Problem, VerifyReport, verify

__all__ = ["Problem", "VerifyReport", "audit_events_for_subject", "audit_verify"]

_CHUNK = 2000


def audit_events_for_subject(subject_id: uuid.UUID | str) -> QuerySet[AuditEvent]:
    """Everything the trail records about one pseudonymous subject, oldest first."""
    return AuditEvent.objects.filter(subject=subject_id).order_by("sequence")


def audit_verify() -> VerifyReport:
    """Walk the whole chain in sequence order and report every break in it, by event number.

    Streams rows (``.iterator()``), so memory does not grow with the log. Deliberately not in
    a transaction: on SQLite pledge's transactions take the write lock, and a long walk must not
    stop the site from recording events; a single query reads one consistent snapshot anyway.
    """
    rows = AuditEvent.objects.order_by("sequence").values_list(*FIELDS)
    return verify(rows.iterator(chunk_size=_CHUNK), _locate)


def _locate(hashes: Collection[str]) -> dict[str, int]:
    """The sequence number of the first event holding each hash, for those that exist."""
    found: dict[str, int] = {}
    for batch in _batches(sorted(hashes), 500):
        for digest, sequence in (
            AuditEvent.objects.filter(hash__in=batch)
            .order_by("-sequence")
            .values_list("hash", "sequence")
        ):
            found[digest] = sequence
    return found


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
