"""Writes of the vault: subjects, shredding and master-key rotation, each audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.policy.calendar import Duration
from pledge.policy.internal import SUBJECT_IDENTITY
from pledge.vault import keyring, master
from pledge.vault.blind_index import email_index
from pledge.vault.models import ShredEntry, Subject, SubjectKind
from pledge.vault.routers import KEYS


@transaction.atomic
def subject_create(
    *, kind: SubjectKind, email: str | None = None, synthetic: bool = False
) -> Subject:
    return Subject.objects.create(
        kind=kind, email_index=email_index(email) if email else None, synthetic=synthetic
    )


@transaction.atomic
def subject_for_email(*, email: str, kind: SubjectKind) -> Subject:
    """The subject with this address, created on first sight (mail, orders, requests)."""
    subject, _ = Subject.objects.get_or_create(
        email_index=email_index(email), defaults={"kind": kind}
    )
    return subject


def subject_shred(
    *, subject_id: uuid.UUID, categories: Iterable[str] | None = None, reason: str
) -> int:
    """Destroy a subject's keys (all, or some categories'); returns how many were destroyed.

    Shredding every category also removes the subject's blind-index entry, so the address no
    longer finds them. The key database is committed first: if the process dies after it, the
    data is already unreadable and a rerun finishes the rest.
    """
    refs = keyring.subject_refs(subject_id, categories)
    destroyed = keyring.shred(refs, reason=reason)
    if categories is None:
        _full_erasure_journal(subject_id, reason=reason)
    with transaction.atomic():
        if categories is None:
            Subject.objects.filter(pk=subject_id).update(email_index=None, erased_at=timezone.now())
        audit_record(
            action="vault.keys_shredded",
            subject=subject_id,
            count=destroyed,
            rule=reason,
            detail={"categories": sorted({r.category for r in refs})},
        )
    return destroyed


def _full_erasure_journal(subject_id: uuid.UUID, *, reason: str) -> None:
    """Journal the erasure of the whole subject, blind index included, for backup restores.

    Key shreds journal themselves; this entry (category ``subject.identity``, no key behind it)
    is what tells a restore to clear the subject's blind index and mark them erased again.
    """
    # Looked up by subject (indexed): the journal only grows, so a scan by handle would make
    # every erasure slower than the last.
    journal = ShredEntry.objects.using(KEYS)
    if not journal.filter(subject=subject_id, category=SUBJECT_IDENTITY.id).exists():
        journal.create(
            handle=f"subject/{subject_id}",
            subject=subject_id,
            category=SUBJECT_IDENTITY.id,
            reason=reason,
        )


def period_shred(*, category: str, period: str, reason: str) -> int:
    """Destroy the key of one period of subject-less data (a fiscal year of logs)."""
    ref = keyring.KeyRef(category=category, period=period)
    destroyed = keyring.shred([ref], reason=reason)
    audit_record(
        action="vault.keys_shredded",
        category=category,
        count=destroyed,
        rule=reason,
        detail={"period": period},
    )
    return destroyed


def master_rotate(*, actor: str = "system") -> tuple[str, str, int]:
    old, new, count = master.rotate()
    audit_record(
        action="vault.master_rotated",
        count=count,
        actor=actor,
        detail={"old": old, "new": new},
    )
    return old, new, count


def master_rotate_if_due(*, window: Duration, now: dt.datetime | None = None) -> bool:
    """Replace the master key once per erasure window, so an old key backup soon opens nothing."""
    now = now or timezone.now()
    state = master.last_rotation()
    if state is not None and window.after(state.rotated_at, dt.UTC) > now:
        return False
    master_rotate(actor="scheduler")
    return True
