"""Correspondence: email kept under each correspondent's own key.

One email with several correspondents (a customer writing to us with a colleague in Cc) is
stored once per correspondent, each copy encrypted under that person's key for the
correspondence category. Erasing one of them shreds their key and deletes their copy; the
others' copies, under their own keys, are untouched. A single shared copy would either stay
readable after one person's erasure or be destroyed by it.

What stays in clear is what retention and the admin need and nothing personal: when a message
was received, its direction, where it came from, its size. Addresses, names, subjects, bodies,
attachment names and contents are ciphertext.
"""

from __future__ import annotations

import uuid

from django.db import models

from pledge.correspondence.choices import Direction, Source
from pledge.vault.fields import EncryptedBytesField, EncryptedJSONField, EncryptedTextField
from pledge.vault.models import Subject

CORRESPONDENCE = "user.correspondence"


class Fingerprint(models.Model):
    """A message already taken in, known only by keyed digests.

    Kept when the copies are erased: re-importing an old mailbox must not bring an erased
    person's mail back. ``key`` digests the Message-ID (or, without one, the date, sender,
    subject and body); ``body`` digests the body, so two different messages that reuse a
    Message-ID are both kept.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=64)
    body = models.CharField(max_length=64)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "body"], name="one_fingerprint_per_message")
        ]
        indexes = [models.Index(fields=["key"], name="fingerprint_key")]

    def __str__(self) -> str:
        return f"message {self.key[:12]}"


class Message(models.Model):
    """One correspondent's copy of one email (or contact-form enquiry)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="messages")
    fingerprint = models.ForeignKey(
        Fingerprint, on_delete=models.PROTECT, related_name="copies", null=True, blank=True
    )
    received_at = models.DateTimeField(db_index=True, help_text="Retention counts from here.")
    imported_at = models.DateTimeField(auto_now_add=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes of the original message.")
    card_numbers_removed = models.PositiveIntegerField(default=0)
    headers = EncryptedJSONField(category=CORRESPONDENCE, subject="subject_id")
    text = EncryptedTextField(category=CORRESPONDENCE, subject="subject_id")
    html = EncryptedTextField(category=CORRESPONDENCE, subject="subject_id", null=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"message {str(self.id)[:8]}"


class Attachment(models.Model):
    """An attachment of one copy; its content in encrypted chunks of ``CHUNK`` bytes."""

    CHUNK = 1024 * 1024

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    meta = EncryptedJSONField(category=CORRESPONDENCE, subject="subject_id")

    class Meta:
        ordering = ["message", "position"]

    def __str__(self) -> str:
        return f"attachment {self.position} of {self.message}"


class AttachmentChunk(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="chunks")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    index = models.PositiveIntegerField()
    data = EncryptedBytesField(category=CORRESPONDENCE, subject="subject_id")

    class Meta:
        ordering = ["attachment", "index"]
        constraints = [
            models.UniqueConstraint(fields=["attachment", "index"], name="one_chunk_per_index")
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of {self.attachment}"


class FetchState(models.Model):
    """How far ``pledge mail fetch`` has read one folder of the operator's own mailbox."""

    account = models.CharField(max_length=64, help_text="SHA-256 of user, host and port.")
    folder = models.CharField(max_length=200)
    uidvalidity = models.PositiveBigIntegerField()
    last_uid = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "folder"], name="one_state_per_folder")
        ]

    def __str__(self) -> str:
        return f"{self.folder} up to UID {self.last_uid}"
