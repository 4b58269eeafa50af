"""Legal holds: the one thing that stops a due deletion or a granted erasure."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.retention.models import LegalHold


def holds_active(*, now: dt.datetime | None = None):  # type: ignore[no-untyped-def]
    now = now or timezone.now()
    return LegalHold.objects.filter(released_at=None, expires_at__gt=now)


def hold_for(
    *, subject: uuid.UUID | None, category: str, now: dt.datetime | None = None
) -> LegalHold | None:
    """The hold covering this subject's data of this category, if any."""
    scope = Q(subject=None, category=category)
    if subject is not None:
        scope |= Q(subject=subject, category="") | Q(subject=subject, category=category)
    return holds_active(now=now).filter(scope).order_by("-expires_at").first()


def held_subjects(*, category: str, now: dt.datetime | None = None) -> tuple[bool, set]:
    """(whole category held, subjects held for it): what a sweep must leave alone."""
    active = holds_active(now=now)
    whole = active.filter(subject=None, category=category).exists()
    subjects = set(
        active.filter(Q(category="") | Q(category=category))
        .exclude(subject=None)
        .values_list("subject", flat=True)
    )
    return whole, subjects


def hold_place(
    *,
    reason: str,
    expires_at: dt.datetime,
    subject: uuid.UUID | None = None,
    category: str = "",
    reference: str = "",
    actor: str = "cli",
) -> LegalHold:
    if subject is None and not category:
        raise ValueError("a legal hold names a subject, a category, or both")
    hold = LegalHold.objects.create(
        subject=subject,
        category=category,
        reason=reason,
        reference=reference,
        expires_at=expires_at,
    )
    audit_record(
        action="hold.placed",
        subject=subject,
        category=category,
        rule=reference,
        actor=actor,
        detail={"expires": expires_at.isoformat()},
    )
    return hold


def hold_release(*, hold: LegalHold, actor: str = "cli") -> None:
    hold.released_at = timezone.now()
    hold.save(update_fields=["released_at"])
    audit_record(
        action="hold.released",
        subject=hold.subject,
        category=hold.category,
        rule=hold.reference,
        actor=actor,
    )
