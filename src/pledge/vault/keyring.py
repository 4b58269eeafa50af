"""Data keys: one per (subject, category), one per (category, period), one per blind index.

A key is created on first use and destroyed by ``shred``. Shredding deletes the wrapped key and
writes a journal entry in the same key-database transaction, then checkpoints the key database
so the deleted bytes leave its write-ahead log too. Data encrypted under a shredded key can no
longer be read by anyone, wherever copies of it are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, transaction

from pledge.vault import crypto, master
from pledge.vault.models import DataKey, MasterState, ShredEntry
from pledge.vault.routers import KEYS


@dataclass(frozen=True, slots=True)
class KeyRef:
    """Which data key protects a value."""

    category: str
    subject: uuid.UUID | None = None
    period: str = ""
    name: str = ""  # a named key of its own, such as the blind index's

    def __post_init__(self) -> None:
        if (self.subject is None) == (not self.period) and not self.name:
            raise ValueError("a data key belongs to a subject or to a period, not both or neither")

    @property
    def handle(self) -> str:
        if self.name:
            return f"named/{self.category}/{self.name}"
        if self.subject is not None:
            return f"subject/{self.subject}/{self.category}"
        return f"period/{self.category}/{self.period}"


def _stored(handle: str) -> DataKey | None:
    """The wrapped key, read with the fewest columns: this runs for every value decrypted."""
    found = (
        DataKey.objects.using(KEYS).filter(handle=handle).values_list("wrapped", "master_id")[:1]
    )
    for wrapped, master_id in found:
        return DataKey(handle=handle, wrapped=wrapped, master_id=master_id)
    return None


def get(ref: KeyRef) -> bytes | None:
    """The data key, or None once it has been shredded (or never existed)."""
    row = _stored(ref.handle)
    return None if row is None else master.unwrap(row)


def get_or_create(ref: KeyRef) -> bytes:
    row = _stored(ref.handle)
    if row is not None:
        return master.unwrap(row)
    return _created([ref])[ref.handle]


def get_or_create_many(refs: Iterable[KeyRef]) -> dict[str, bytes]:
    """The data key of each ref, by handle, creating the missing ones together: one durable
    key-database transaction for all of them (a commit is the cost of a new key, and an import
    of years of logs needs a salt for each day)."""
    wanted = {ref.handle: ref for ref in refs}
    found = {handle: master.unwrap(row) for handle, row in _stored_many(list(wanted)).items()}
    missing = [ref for handle, ref in wanted.items() if handle not in found]
    return found | _created(missing) if missing else found


def _created(refs: list[KeyRef]) -> dict[str, bytes]:
    """New keys for ``refs``, by handle; where another writer made one meanwhile, theirs."""
    with transaction.atomic(using=KEYS):
        # Wrap under the master key the key database names now, read under its write lock
        # (so no rotation is half-way). The key this process cached may have been replaced,
        # and its file destroyed, by a rotation in another process since: a new data key
        # wrapped under it would open only until this process restarted, then never again.
        current = master.current()
        state = MasterState.objects.using(KEYS).select_for_update().filter(pk=1)
        if state.values_list("master_id", flat=True).first() != current.id:
            current = master.current(refresh=True)
        DataKey.objects.using(KEYS).bulk_create(
            [
                DataKey(
                    handle=ref.handle,
                    subject=ref.subject,
                    category=ref.category,
                    period=ref.period,
                    master_id=current.id,
                    wrapped=master.wrap(ref.handle, crypto.new_key(), master=current),
                )
                for ref in refs
            ],
            ignore_conflicts=True,
        )
    # What is stored now is the key, whoever wrote it.
    stored = _stored_many([ref.handle for ref in refs])
    return {handle: master.unwrap(row) for handle, row in stored.items()}


def _stored_many(handles: list[str]) -> dict[str, DataKey]:
    rows: dict[str, DataKey] = {}
    for start in range(0, len(handles), 500):
        for handle, wrapped, master_id in (
            DataKey.objects.using(KEYS)
            .filter(handle__in=handles[start : start + 500])
            .values_list("handle", "wrapped", "master_id")
        ):
            rows[handle] = DataKey(handle=handle, wrapped=wrapped, master_id=master_id)
    return rows


def shred(refs: Iterable[KeyRef], *, reason: str, journal_all: bool = False) -> int:
    """Destroy keys and journal each destruction; returns how many keys existed.

    With ``journal_all`` every ref is journaled, key or not: an erasure of data held without
    a key of its own (plain rows) must still be replayed after a restore.
    """
    refs = list(refs)
    if not refs:
        return 0
    # Durable before it returns: callers then record the erasure in the data database, and
    # that record must never outlive a shred that a power cut rolled back.
    with master.durable_atomic():
        existing = set(
            DataKey.objects.using(KEYS)
            .filter(handle__in=[r.handle for r in refs])
            .values_list("handle", flat=True)
        )
        DataKey.objects.using(KEYS).filter(handle__in=existing).delete()
        ShredEntry.objects.using(KEYS).bulk_create(
            ShredEntry(
                handle=r.handle,
                subject=r.subject,
                category=r.category,
                period=r.period,
                reason=reason,
            )
            for r in refs
            if journal_all or r.handle in existing
        )
    if existing:
        checkpoint()  # only deleted key bytes need pushing out of the write-ahead log
    return len(existing)


def subject_refs(subject: uuid.UUID, categories: Iterable[str] | None = None) -> list[KeyRef]:
    """The keys a subject has, optionally only those of some categories."""
    rows = DataKey.objects.using(KEYS).filter(subject=subject)
    if categories is not None:
        rows = rows.filter(category__in=list(categories))
    return [KeyRef(category=c, subject=subject) for c in rows.values_list("category", flat=True)]


def checkpoint() -> None:
    """Push deleted pages out of SQLite's write-ahead log (secure_delete zeroes them)."""
    connection = connections[KEYS]
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
