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
