"""Reads of the correspondence archive. Every decrypting read names its purpose."""

from __future__ import annotations

import hashlib
import uuid

from django.db.models import QuerySet

from pledge.correspondence.models import CORRESPONDENCE, Attachment, Message
from pledge.policy import Policy
from pledge.vault.fields import ERASED, Erased, TamperedField

# What staff read mail for, in order of preference, among the purposes a policy declares for
# correspondence: answering (japan-centre), orders, or audit (alps).
_READING = ("service", "orders", "audit")


def reading_purpose(policy: Policy) -> str:
    category = policy.category(CORRESPONDENCE)
    declared = list(category.purposes) if category else []
    return next((p for p in _READING if p in declared), declared[0] if declared else "service")


def messages_of(*, subject_id: uuid.UUID) -> QuerySet[Message]:
    return Message.objects.filter(subject_id=subject_id).prefetch_related("attachments")


def attachment_content(*, attachment: Attachment, purpose: str) -> bytes | Erased:
    """The attachment's bytes, chunks joined and checked against the digest stored with them."""
    meta = attachment.meta.reveal(purpose=purpose)
    if meta is ERASED:
        return ERASED
    parts = []
    for chunk in attachment.chunks.order_by("index"):
        data = chunk.data.reveal(purpose=purpose)
        if data is ERASED:
            return ERASED
        parts.append(data)
    content = b"".join(parts)
    if hashlib.sha256(content).hexdigest() != meta["sha256"]:
        raise TamperedField(f"{attachment._meta.label} (row {attachment.pk}): chunks altered")
    return content
