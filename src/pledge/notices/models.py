"""Every privacy notice the site has served, by the hash of its text.

Consent records name the notice a person saw by this hash, so the exact words they agreed to can
always be shown again, even after the policy has changed.
"""

from __future__ import annotations

from django.db import models


class NoticeVersion(models.Model):
    sha256 = models.CharField(max_length=64, primary_key=True)
    policy_id = models.CharField(max_length=80)
    effective = models.DateField(help_text="The effective date the policy gives.")
    html = models.TextField(help_text="The notice exactly as served at /privacy/.")
    markdown = models.TextField()
    first_served_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_served_at"]
        get_latest_by = "first_served_at"

    def __str__(self) -> str:
        return f"{self.policy_id} notice {self.sha256[:12]} (effective {self.effective})"
