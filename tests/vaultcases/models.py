"""Test models: a subject's dossier (text, JSON and file payloads) and period-keyed notes."""

from __future__ import annotations

import uuid

from django.db import models

from pledge.vault.fields import EncryptedBytesField, EncryptedJSONField, EncryptedTextField
from pledge.vault.models import Subject


def note_period(note: PeriodNote) -> str:
    return f"{note.written_at:%Y}"


class Dossier(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    received_at = models.DateTimeField()
    body = EncryptedTextField(category="user.correspondence", subject="subject_id")
    headers = EncryptedJSONField(category="user.correspondence", subject="subject_id", null=True)
    attachment = EncryptedBytesField(
        category="user.correspondence", subject="subject_id", null=True
    )
    country = models.CharField(max_length=2, blank=True)

    def __str__(self) -> str:
        return f"dossier {self.pk}"


class PeriodNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    written_at = models.DateTimeField()
    text = EncryptedTextField(category="user.behavior.browsing", period=note_period)

    def __str__(self) -> str:
        return f"note {self.pk}"


class LedgerEntry(models.Model):
    """An order's money trail: kept for the accounting period whatever the customer asks."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    completed_at = models.DateTimeField(null=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    payer = EncryptedTextField(category="user.behavior.purchase_history", subject="subject_id")

    def __str__(self) -> str:
        return f"ledger entry {self.pk}"
