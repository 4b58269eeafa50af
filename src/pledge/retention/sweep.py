"""Executing the plan: due records deleted in batches, each batch one transaction and one
audit event, keys shredded once nothing of a subject's category remains, space reclaimed.

A sweep is idempotent and resumable: it recomputes the plan from what is stored, so a sweep
killed half-way simply finishes the rest when run again. One sweep at a time: a second one waits
for the lock or, without ``wait``, says so and leaves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.datamap import registry
from pledge.datamap.registry import Strategy
from pledge.retention.holds import held_subjects
from pledge.retention.models import SweepRun
from pledge.retention.plan import Entry, plan
from pledge.vault import keyring
from pledge.vault.models import Subject

BATCH = 2000
_LOCK_KEY = 0x706C2E7377656570  # "pl.sweep"


class SweepBusy(RuntimeError):
    """Another sweep holds the lock."""


@contextlib.contextmanager
def sweep_lock(*, wait: bool) -> Iterator[None]:
    """One sweep at a time, across the server's scheduler and cron."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
            else:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    raise SweepBusy("another sweep is running; this one leaves it to finish")
            try:
                yield
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
        return
    path = settings.DATA_DIR / "sweep.lock"
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise SweepBusy("another sweep is running; this one leaves it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class SweepResult:
    as_of: dt.datetime
    deleted: int
    keys_shredded: int
    entries: list[Entry]


def _sweep_entry(entry: Entry, now: dt.datetime, size: int = BATCH) -> tuple[int, int]:
    """Delete (or anonymise) the entry's due rows ``size`` at a time; (rows, keys shredded)."""
    holder = entry.model_holder
    assert holder is not None and entry.cutoff is not None and holder.anchor
    _, held = held_subjects(category=entry.category, now=now)
    due = holder.model._default_manager.filter(**{f"{holder.anchor}__lte": entry.cutoff})
    if holder.subject and held:
        due = due.exclude(**{f"{holder.subject}__in": held})
    if holder.strategy is Strategy.ANONYMISE:
        # Anonymised rows stay; once every personal field is empty a row is done.
        due = due.exclude(**{f"{name}__isnull": True for name in holder.personal_fields})
    if holder.before_erase is not None and due.exists():
        holder.before_erase()
    deleted = shredded = 0
    # Each batch's keys with their subjects, in one statement: the keys go back to the database
    # once more to delete them, but need not a third time to ask whose they were.
    columns = ("pk", holder.subject) if holder.subject else ("pk",)
    while rows := list(due.order_by("pk").values_list(*columns)[:size]):
        pks = [row[0] for row in rows]
        subjects = {row[1] for row in rows if len(row) > 1 and row[1] is not None}
        with transaction.atomic():
            batch = holder.model._default_manager.filter(pk__in=pks)
            if holder.strategy is Strategy.ANONYMISE:
                count = batch.update(**dict.fromkeys(holder.personal_fields))
            else:
                count = len(pks)
                batch.delete()
            deleted += count
            # Before the batch commits: once its rows are gone nothing remembers whose keys
            # they needed, so a crash in between must leave the rows (still due: the rerun
            # deletes them and shreds), never a key that outlives its subject's last record.
            shredded += _shred_emptied(entry.category, subjects)
            audit_record(
                action="retention.deleted",
                category=entry.category,
                count=count,
                rule=entry.rule,
                detail={"holder": entry.holder},
            )
    return deleted, shredded


def _shred_emptied(category: str, subjects: set[uuid.UUID]) -> int:
    """Shred a subject's key for a category once no holder keeps anything of it."""
    if not subjects:
        return 0
    # One query for the batch, each subject's rows sought only up to the first one found (a
    # customer may have thousands left, and a batch touches thousands of customers).
    empty = Subject.objects.filter(pk__in=subjects)
    for h in registry.holders(settings.POLICY):
        if h.subject and h.category_in(settings.POLICY) == category:
            rows = h.model._default_manager.filter(**{h.subject: OuterRef("pk")})
            empty = empty.filter(~Exists(rows))
    refs = [
        keyring.KeyRef(category=category, subject=s)
        for s in sorted(empty.values_list("pk", flat=True), key=str)
    ]
    return keyring.shred(refs, reason=f"retention: {category}") if refs else 0


def space_reclaim() -> None:
    """Give deleted pages back: SQLite's incremental vacuum; VACUUM on PostgreSQL."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Each step of this pragma frees one page, and Python's sqlite3 steps a statement
            # that returns no columns only once; a script is stepped to its end.
            cursor.executescript("PRAGMA incremental_vacuum;")
        elif connection.vendor == "postgresql":
            for holder in registry.holders(settings.POLICY):
                table = connection.ops.quote_name(holder.model._meta.db_table)
                cursor.execute(f"VACUUM (ANALYZE) {table}")


def sweep_run(*, now: dt.datetime | None = None, wait: bool = True,
              trigger: str = "cli", batch: int = BATCH) -> SweepResult:  # fmt: skip
    """Delete everything due at ``now`` (default: this instant), ``batch`` rows a transaction."""
    now = now or timezone.now()
    with sweep_lock(wait=wait):
        run = SweepRun.objects.create(as_of=now, trigger=trigger)
        entries = plan(settings.POLICY, list(registry.holders(settings.POLICY)), now,
                       registry.store_holders())  # fmt: skip
        deleted = shredded = 0
        for entry in entries:
            if entry.due_now and entry.cutoff is not None:
                count, keys = _sweep_entry(entry, now, batch)
                deleted += count
                shredded += keys
        for store in registry.store_holders():
            expire = getattr(store.store, "expire", None)
            if expire is not None:
                deleted += expire(now=now)
        run.finished_at, run.deleted = timezone.now(), deleted
        run.save(update_fields=["finished_at", "deleted"])
    space_reclaim()
    return SweepResult(as_of=now, deleted=deleted, keys_shredded=shredded, entries=entries)
