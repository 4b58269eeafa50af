"""Reads about accounts and consent."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, Subquery

from pledge.accounts.models import ConsentRecord, Profile, User
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject


def operator_exists() -> bool:
    return User.objects.filter(is_staff=True, is_active=True).exists()


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email_index=email_index(email)).select_related("subject").first()


def profile_of(*, subject: Subject) -> Profile | None:
    return Profile.objects.filter(subject=subject).first()


def consent_history(*, subject: Subject) -> list[ConsentRecord]:
    return list(
        ConsentRecord.objects.filter(subject=subject).select_related("notice").order_by("at")
    )


def marketing_audience(*, purpose: str = "marketing") -> Iterator[Profile]:
    """Profiles whose newest decision for ``purpose`` is consent, on active accounts, now."""
    newest = ConsentRecord.objects.filter(subject=OuterRef("subject"), purpose=purpose).order_by(
        "-at"
    )
    return (
        Profile.objects.annotate(consent=Subquery(newest.values("given")[:1]))
        .filter(consent=True, subject__account__is_active=True, subject__erased_at=None)
        .select_related("subject")
        .iterator()
    )
