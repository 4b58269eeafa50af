"""Publishing the notice: the text rendered from the active policy, recorded once per version."""

from __future__ import annotations

import hashlib

from django.db import transaction

from pledge.notices.models import NoticeVersion
from pledge.policy import Policy
from pledge.policy.notice import render


def notice_hash(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


@transaction.atomic
def notice_publish(*, policy: Policy) -> NoticeVersion:
    """Record the notice rendered from ``policy`` (once per distinct text) and return it."""
    html = render(policy, "html")
    version, _ = NoticeVersion.objects.get_or_create(
        sha256=notice_hash(html),
        defaults={
            "policy_id": policy.id,
            "effective": policy.effective,
            "html": html,
            "markdown": render(policy, "md"),
        },
    )
    return version
