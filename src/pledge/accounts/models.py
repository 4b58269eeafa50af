"""The person behind an account, holding no personal field in clear.

Primary keys are UUIDs so that a subject's id can be bound into ciphertexts before the row is
inserted and never reveals how many customers there are. Sign-in is by email through a blind
index: the address itself is kept only by the vault (encrypted under the subject's key), so
shredding that key leaves nothing readable behind.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from pledge.vault.blind_index import email_index
from pledge.vault.fields import EncryptedTextField
from pledge.vault.models import Subject, SubjectKind


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # Django's auth passes what the person typed; the index is what is stored.
        return self.get(email_index=email_index(username or ""))

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        """An account and its subject. (Django's createsuperuser and tests call this.)"""
        if not email:
            raise ValueError("an account needs an email address")
        kind = SubjectKind.OPERATOR if extra.get("is_staff") else SubjectKind.CUSTOMER
        subject = extra.pop("subject", None) or Subject.objects.create(kind=kind)
        user = self.model(email_index=email_index(email), subject=subject, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.OneToOneField(
        Subject, on_delete=models.PROTECT, related_name="account",
        help_text="The person this account belongs to; their personal data is keyed by it.",
    )  # fmt: skip
    # NULL, not "": many erased accounts may lack an index while live ones stay unique.
    email_index = models.CharField(  # noqa: DJ001
        "email (blind index)",
        max_length=64,
        unique=True,
        null=True,
        help_text="HMAC of the normalised address; the address itself is held by the vault. "
        "Cleared when the account is erased.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the operator admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email_index"
    EMAIL_FIELD = "email_index"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "account"

    def __str__(self) -> str:
        return f"account {str(self.id)[:8]}"


ACCOUNT = "user.account"


class Profile(models.Model):
    """A customer's contact details, each encrypted under the subject's account key."""

    subject = models.OneToOneField(
        Subject, primary_key=True, on_delete=models.CASCADE, related_name="profile"
    )
    name = EncryptedTextField(category=ACCOUNT, subject="subject_id")
    email = EncryptedTextField(category=ACCOUNT, subject="subject_id")
    postal_address = EncryptedTextField(category=ACCOUNT, subject="subject_id")
    phone = EncryptedTextField(category=ACCOUNT, subject="subject_id", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.subject}"


class ConsentRecord(models.Model):
    """One decision about one purpose: given or withdrawn, when, where, having seen which notice.

    Records are only ever added; the decision in force is the newest one, so the history of a
    person's choices is itself the proof of consent.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=80)
    given = models.BooleanField()
    at = models.DateTimeField(default=timezone.now, db_index=True)
    form = models.CharField(max_length=40, help_text="Where the choice was made.")
    notice = models.ForeignKey(
        "notices.NoticeVersion", on_delete=models.PROTECT, help_text="The notice shown."
    )

    class Meta:
        ordering = ["subject", "purpose", "-at"]
        indexes = [models.Index(fields=["purpose", "subject", "-at"])]

    def __str__(self) -> str:
        return f"{'consent' if self.given else 'withdrawal'} for {self.purpose} ({self.subject})"


class SignInAttempt(models.Model):
    """A failed sign-in, kept a day to slow down password guessing.

    Both the address tried and the network address are kept only as keyed fingerprints, so the
    record names no one and cannot be linked to a person.
    """

    address_index = models.CharField(max_length=64, db_index=True)
    network_index = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"failed sign-in at {self.at:%Y-%m-%d %H:%M}"
