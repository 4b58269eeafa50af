"""Writes about accounts: every change of an account, profile or consent goes through here."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from pledge.accounts.models import ConsentRecord, Profile, User
from pledge.audit.services import audit_record
from pledge.datamap.erasure import Outcome, subject_erase
from pledge.notices.models import NoticeVersion
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject, SubjectKind

MARKETING = "marketing"
# Where a customer's decision is recorded: the forms the site shows them, and a rights request
# they made. A decision recorded anywhere else (an imported list, an edit of the table) is not
# theirs to prove.
REGISTRATION_FORM, ACCOUNT_FORM, RIGHTS_REQUEST_FORM = "registration", "account", "rights-request"
CONSENT_FORMS = (REGISTRATION_FORM, ACCOUNT_FORM, RIGHTS_REQUEST_FORM)


@transaction.atomic
def operator_create(*, email: str, password: str | None = None) -> str:
    """Create an operator (staff superuser) account and return its password.

    A generated password is long and random; it is shown once and never stored in clear.
    """
    password = password or secrets.token_urlsafe(18)
    User.objects.create_superuser(email, password)
    return password


@dataclass(frozen=True, slots=True)
class Registration:
    """What registering produced. ``user`` is None when the address already had an account:
    the caller must answer exactly as for a new account, so nobody learns who is registered."""

    user: User | None
    address_taken: bool


@transaction.atomic
def customer_register(
    *,
    name: str,
    email: str,
    postal_address: str,
    phone: str,
    password: str,
    marketing: bool,
    notice: NoticeVersion,
) -> Registration:
    """Open an inactive account, its profile and the marketing choice made on the form.

    The account becomes active when its owner follows the link sent to the address, which
    proves the address is theirs before anything is sent to it again.
    """
    index = email_index(email)
    if User.objects.filter(email_index=index).exists():
        return Registration(user=None, address_taken=True)
    subject, _ = Subject.objects.get_or_create(
        email_index=index, defaults={"kind": SubjectKind.CUSTOMER}
    )
    user = User.objects.create(
        subject=subject, email_index=index, password=make_password(password), is_active=False
    )
    Profile.objects.create(
        subject=subject, name=name, email=email, postal_address=postal_address, phone=phone or None
    )
    consent_record(
        subject=subject,
        purpose=MARKETING,
        given=marketing,
        form=REGISTRATION_FORM,
        notice=notice,
        only_if_changed=False,
    )
    audit_record(action="account.registered", subject=subject.pk, category="user.account")
    return Registration(user=user, address_taken=False)


@transaction.atomic
def account_activate(*, user: User) -> None:
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(action="account.activated", subject=user.subject_id)


def consent_current(*, subject: Subject, purpose: str) -> ConsentRecord | None:
    return ConsentRecord.objects.filter(subject=subject, purpose=purpose).order_by("-at").first()


@transaction.atomic
def consent_record(
    *,
    subject: Subject,
    purpose: str,
    given: bool,
    form: str,
    notice: NoticeVersion,
    only_if_changed: bool = True,
) -> ConsentRecord | None:
    """Record a decision; it is in force from this instant (JC13: no delay, no batch)."""
    current = consent_current(subject=subject, purpose=purpose)
    if only_if_changed and (current.given if current else False) == given:
        return None
    record = ConsentRecord.objects.create(
        subject=subject, purpose=purpose, given=given, form=form, notice=notice
    )
    audit_record(
        action="consent.given" if given else "consent.withdrawn",
        subject=subject.pk,
        category="user.consent",
        detail={"purpose": purpose, "form": form, "notice": notice.sha256},
    )
    return record


@transaction.atomic
def profile_update(
    *,
    subject: Subject,
    name: str,
    postal_address: str,
    phone: str,
    marketing: bool,
    notice: NoticeVersion,
    form: str = ACCOUNT_FORM,
) -> None:
    """Correct a customer's details and marketing choice (the account page and rectification)."""
    profile = Profile.objects.select_for_update().get(subject=subject)
    profile.name, profile.postal_address, profile.phone = name, postal_address, phone or None
    profile.save()
    consent_record(subject=subject, purpose=MARKETING, given=marketing, form=form, notice=notice)
    audit_record(action="account.updated", subject=subject.pk, category="user.account")


def account_close(*, user: User, reason: str = "account closed by its owner") -> list[Outcome]:
    """Close an account through the erasure service; returns its outcome per category."""
    subject_id = user.subject_id
    user.is_active = False
    user.save(update_fields=["is_active"])
    return subject_erase(subject_id=subject_id, reason=reason, actor=f"subject:{subject_id}")


@transaction.atomic
def password_set(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action="account.password_changed", subject=user.subject_id)
