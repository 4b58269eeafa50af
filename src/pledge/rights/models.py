"""A data-subject request: what was asked, by whom (a pseudonymous subject), when, by when.

The row holds no personal data. The address a request came from is never stored: on the site it
travels sealed inside the one-time link sent to it (``pledge.rights.links``) and comes back only
when its owner follows the link; in writing the operator types it. What stays is a random
subject id, the kind of request, its dates and its outcome per category, which is what shows
that each request was answered, and on time, after the person themselves is gone.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from pledge.vault.models import Subject


class Kind(models.TextChoices):
    ACCESS = "access", "a copy of your data"
    ERASURE = "erasure", "erasure of your data"
    RECTIFICATION = "rectification", "correction of your details"
    OBJECTION = "objection", "an end to marketing"


class Channel(models.TextChoices):
    WEB = "web", "the site, verified by a one-time link"
    WRITING = "writing", "in writing, entered by the operator"


class Status(models.TextChoices):
    UNVERIFIED = "unverified", "awaiting verification"
    OPEN = "open", "open"
    DONE = "done", "done"
    LAPSED = "lapsed", "link never followed"


class RightsRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNVERIFIED)
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rights_requests",
        help_text="Empty when the address given is linked to no data at all.",
    )
    received_at = models.DateTimeField(default=timezone.now)
    link_digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the one-time link's token."
    )
    link_expires_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(
        null=True, blank=True, help_text="Identity confirmed: the statutory period starts."
    )
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(
        default=list, blank=True, help_text="Per category: what happened (no personal data)."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "rights request"
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.kind})"
