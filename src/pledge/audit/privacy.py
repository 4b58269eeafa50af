"""The audit trail's declaration to the datamap."""

from pledge.audit.models import AuditEvent
from pledge.datamap.registry import NoPersonalData, declare

declare(
    NoPersonalData(
        AuditEvent,
        reason="what was done to personal data, by category and count, under a random subject "
        "id that leads nowhere once the subject is erased; audit_record refuses addresses, so "
        "the proof of an erasure never keeps the person it erased",
    ),
)
