"""Vault models.

``Subject`` lives in the data database: a pseudonymous person, found by the blind index of
their address. ``DataKey``, ``MasterState`` and ``ShredEntry`` live in the key database
(``pledge.vault.routers``), never in the data database, so no copy or backup of the data holds
a key, and restoring old data cannot undo a shred.
"""

from __future__ import annotations

import uuid

from django.db import models


class SubjectKind(models.TextChoices):
    CUSTOMER = "customer"
    CORRESPONDENT = "correspondent"
    VISITOR = "visitor"
    OPERATOR = "operator"


class Subject(models.Model):
    """A person the business holds data about, known only by a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=SubjectKind.choices)
    # NULL, not "": erased subjects have no index, live ones stay unique.
    email_index = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="Blind index of the address."
    )
    synthetic = models.BooleanField(
        default=False, help_text="Made by a conformance run: excluded from statistics."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("reveal_personal_data", "Can see decrypted personal data in the operator admin"),
        ]

    def __str__(self) -> str:
        return f"subject {str(self.id)[:8]}"


class KeyDatabaseModel(models.Model):
    """Marks a model the router keeps in the key database."""

    in_key_database = True

    class Meta:
        abstract = True


class DataKey(KeyDatabaseModel):
    """One data key, wrapped by the master key: per (subject, category) or (category, period)."""

    handle = models.CharField(max_length=200, unique=True)
    subject = models.UUIDField(null=True, blank=True, db_index=True)
    category = models.CharField(max_length=80)
    period = models.CharField(max_length=40, blank=True)
    wrapped = models.BinaryField()
    master_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.handle


class MasterState(KeyDatabaseModel):
    """Which master key wraps the data keys, and a check value to recognise it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    master_id = models.CharField(max_length=32)
    check_value = models.CharField(max_length=64, help_text="HMAC of a fixed label under the key.")
    rotated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"master key {self.master_id}"


class ShredEntry(KeyDatabaseModel):
    """The shred journal: every destroyed key, replayed after a restore (no personal data)."""

    at = models.DateTimeField(auto_now_add=True)
    handle = models.CharField(max_length=200)
    subject = models.UUIDField(null=True, blank=True, db_index=True)
    category = models.CharField(max_length=80)
    period = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"shred {self.handle} ({self.reason})"
