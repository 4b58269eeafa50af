"""The disclosure register: every hand-over of personal data to a recipient outside the business.

One row per disclosure: to whom (a recipient the policy declares), on what legal basis, under
which reference, what was handed over (categories and how many records), when, and a digest of
the encrypted export that carried it. The person is a pseudonymous subject id; a disclosure of
log lines names the network address only as a keyed fingerprint, so the register can answer
"did we hand over this address's lines?" without keeping the address.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class Disclosure(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=20, unique=True, help_text="Register number.")
    made_at = models.DateTimeField(default=timezone.now, db_index=True)
    recipient = models.CharField(max_length=80, help_text="Recipient id in the policy.")
    recipient_name = models.CharField(max_length=200)
    recipient_kind = models.CharField(max_length=40)
    basis = models.TextField(help_text="The legal basis: the statute or order that compels it.")
    reference = models.CharField(max_length=120, help_text="The order's or case's reference.")
    subject = models.UUIDField(
        null=True, blank=True, db_index=True, help_text="Pseudonymous subject id, if any."
    )
    network_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="Keyed fingerprint of the IP address disclosed."
    )
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    categories = models.JSONField(default=list)
    count = models.PositiveIntegerField(default=0, help_text="Records or log lines disclosed.")
    what = models.TextField(help_text="What was handed over, in words.")
    export_name = models.CharField(max_length=200)
    export_sha256 = models.CharField(max_length=64)
    restricted = models.BooleanField(
        default=False,
        help_text="The law forbids telling the person (for example, not to prejudice an "
        "investigation): left out of their copy of their data.",
    )
    actor = models.CharField(max_length=100, default="cli")

    class Meta:
        ordering = ["-made_at"]
        verbose_name = "disclosure"

    def __str__(self) -> str:
        return f"{self.number} to {self.recipient_name}"
