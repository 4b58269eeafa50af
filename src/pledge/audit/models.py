"""The audit trail: one row per thing done to personal data, each holding its predecessor's hash.

Events say what happened, to which category, how many records, under which rule and to which
pseudonymous subject, and never hold personal data in clear: an erased person must not live on in
the log of their erasure. Rows are only ever appended (database triggers refuse UPDATE and
DELETE); anyone who bypasses that leaves a break in the hash chain that ``audit_verify`` finds.
"""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    sequence = models.PositiveBigIntegerField(
        primary_key=True, help_text="Position in the chain: 1, 2, 3… with no gaps."
    )
    occurred_at = models.DateTimeField()
    action = models.CharField(max_length=64, help_text="What happened, e.g. subject.erased.")
    category = models.CharField(max_length=100, blank=True, help_text="Policy category id.")
    count = models.PositiveBigIntegerField(default=0, help_text="How many records.")
    rule = models.CharField(
        max_length=200, blank=True, help_text="Retention rule or request reference."
    )
    subject = models.UUIDField(
        null=True, blank=True, db_index=True, help_text="Pseudonymous subject id."
    )
    actor = models.CharField(max_length=100, default="system")
    detail = models.JSONField(default=dict, blank=True, help_text="Non-personal facts.")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, help_text="SHA-256 of this event and prev_hash.")

    class Meta:
        ordering = ["sequence"]
        get_latest_by = "sequence"

    def __str__(self) -> str:
        return f"audit event {self.sequence}: {self.action}"
