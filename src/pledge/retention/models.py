"""Legal holds and the record of sweeps."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LegalHold(models.Model):
    """Data that must not be deleted for now, whatever its schedule or any request.

    A hold names a subject, a category, or both; it has a reason and an end. Sweeps and the
    erasure service both honour it.
    """

    subject = models.UUIDField(null=True, blank=True, db_index=True)
    category = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=300)
    reference = models.CharField(max_length=120, blank=True, help_text="Court or case reference.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(subject__isnull=True, category=""),
                name="hold_names_subject_or_category",
            )
        ]

    def __str__(self) -> str:
        scope = " / ".join(filter(None, [str(self.subject or ""), self.category]))
        return f"legal hold on {scope} until {self.expires_at:%Y-%m-%d}"


class SweepRun(models.Model):
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateTimeField(help_text="The instant the sweep computed due dates for.")
    deleted = models.PositiveIntegerField(default=0)
    trigger = models.CharField(max_length=20, default="cli")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"sweep at {self.as_of:%Y-%m-%d %H:%M} ({self.deleted} deleted)"
