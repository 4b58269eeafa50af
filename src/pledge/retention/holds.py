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


def holds_covering(*, subject: uuid.UUID, now: dt.datetime | None = None) -> list[LegalHold]:
    """Every active hold that may cover some of the subject's data, in one query: on the
    subject (one category or all), or on a whole category. ``hold_among`` picks per category."""
    active = holds_active(now=now).filter(Q(subject=None) | Q(subject=subject))
    return list(active.order_by("-expires_at"))


def hold_among(holds: list[LegalHold], *, category: str) -> LegalHold | None:
    """The hold over the subject's data of ``category``, if any (the one lasting longest), from
    ``holds_covering``'s list: one on the subject for that category or for all, or one on the
    whole category."""
    return next(
        (h for h in holds if h.category == category or (h.subject and h.category == "")), None
    )


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
