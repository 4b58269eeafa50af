"""Replaying the shred journal after a restore, so an old backup cannot bring anyone back.

The journal lives in the key database, which a restore never touches; the restored data
predates some of its entries. Each such entry is applied again through the datamap, exactly as
the erasure service applies it (``pledge.datamap.erasure``):

- a subject's category key: that subject's records in every holder of the category;
- a subject's full erasure (journalled by ``subject_shred``): their records in every holder,
  and their blind index, so their address finds no one and the site reports them erased;
- a period's key (a fiscal year of logs): the rows of that period and its partition
  directories (``partitions/.../category=<id>/.../period=<period>``, Hive style).

Every step is "make it so", never "do it once": replaying twice changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import glob
import shutil
import uuid
from dataclasses import dataclass
from itertools import batched
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Max, Q

from pledge.datamap import erasure, registry
from pledge.datamap.registry import Holder, Strategy
from pledge.policy.internal import SUBJECT_IDENTITY
from pledge.vault.fields import EncryptedField
from pledge.vault.models import ShredEntry, Subject
from pledge.vault.routers import KEYS

# An erasure commits in the key database first and in the data database a moment later, so a
# snapshot can miss one the journal already lists. Entries this close before a backup are
# replayed as well as those after it; replaying one the snapshot already holds does nothing.
IN_FLIGHT = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Replayed:
    """Erasures applied again: whole people, single categories of a person, periods."""

    full_erasures: int = 0
    category_erasures: int = 0
    period_erasures: int = 0
    records: int = 0
    partitions: int = 0

    @property
    def erasures(self) -> int:
        return self.full_erasures + self.category_erasures + self.period_erasures


def journal_last() -> int:
    """The newest shred-journal entry now: read before a snapshot, stored in its header."""
    return ShredEntry.objects.using(KEYS).aggregate(last=Max("pk"))["last"] or 0


def shred_journal_replay(*, after: int, backup_at: dt.datetime) -> Replayed:
    """Apply again every erasure journalled after entry ``after`` (or just before the backup).

    The caller holds the data database's transaction, so a replay is applied whole or not at all.
    """
    entries = ShredEntry.objects.using(KEYS).filter(
        Q(pk__gt=after) | Q(at__gte=backup_at - IN_FLIGHT)
    )
    full: dict[uuid.UUID, dt.datetime] = {}
    categories: set[tuple[uuid.UUID, str]] = set()
    periods: set[tuple[str, str]] = set()
    for entry in entries.order_by("pk"):
        if entry.subject is not None and entry.category == SUBJECT_IDENTITY.id:
            full.setdefault(entry.subject, entry.at)
        elif entry.subject is not None:
            categories.add((entry.subject, entry.category))
        elif entry.period:
            periods.add((entry.category, entry.period))
        # A named key (the blind index's, the backups') protects no one's records.
    categories = {(subject, c) for subject, c in categories if subject not in full}
    linked, _ = erasure._holders_by_category()
    records = sum(
        erasure._apply(holder, subject)
        for subject, category in sorted(categories, key=str)
        for holder in linked.get(category, [])
    )
    for subject, erased_at in full.items():
        records += sum(erasure._apply(h, subject) for hs in linked.values() for h in hs)
        Subject.objects.filter(pk=subject, erased_at__isnull=True).update(erased_at=erased_at)
    removed = 0
    for category, period in sorted(periods):
        records += sum(_period_apply(h, period) for h in _period_holders(category))
        removed += _partitions_remove(category, period)
    return Replayed(len(full), len(categories), len(periods), records, removed)


def _period_holders(category: str) -> list[tuple[Holder, list[EncryptedField]]]:
    found = []
    for holder in registry.holders():
        fields = [
            f
            for f in holder.model._meta.concrete_fields
            if isinstance(f, EncryptedField) and f.period_of is not None and f.category == category
        ]
        if fields and holder.strategy is not Strategy.KEEP_RESTRICTED:
            found.append((holder, fields))
    return found


def _period_apply(found: tuple[Holder, list[EncryptedField]], period: str) -> int:
    """The holder's strategy, applied to the rows whose key is that period's."""
    holder, fields = found
    manager: models.Manager[models.Model] = holder.model._default_manager
    doomed = [
        row.pk
        for row in manager.iterator(chunk_size=2000)
        if any(f.period_of(row) == period for f in fields)  # type: ignore[misc]
    ]
    count = 0
    for batch in batched(doomed, 500):
        rows = manager.filter(pk__in=batch)
        if holder.strategy is Strategy.ANONYMISE:
            count += rows.update(**dict.fromkeys(holder.personal_fields))
        else:
            count += rows.delete()[0]
    return count


def _partitions_remove(category: str, period: str) -> int:
    root = Path(settings.DATA_DIR) / "partitions"
    if not root.is_dir():
        return 0
    doomed = [
        path
        for path in root.rglob(glob.escape(f"period={period}"))
        if path.is_dir() and f"category={category}" in path.relative_to(root).parts
    ]
    for path in doomed:
        shutil.rmtree(path)
    return len(doomed)
