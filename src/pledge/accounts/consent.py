"""Consent records as ISO/IEC TS 27560 consent records, for export and for the access bundle.

Each decision becomes one record with the fields the standard asks for: who (a pseudonymous
subject id), who for (the controller), what for (purposes and data categories), on what basis,
when given and when withdrawn, how collected, against which notice, where (jurisdiction), who
receives the data, how long it is kept, and how to withdraw.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from pledge.accounts.models import ConsentRecord
from pledge.accounts.selectors import consent_history
from pledge.vault.models import Subject

STANDARD = "ISO/IEC TS 27560:2023"


def _categories_for(purpose: str) -> list[str]:
    return [c.id for c in settings.POLICY.categories if purpose in c.purposes]


def consent_record_27560(record: ConsentRecord, withdrawn_at: str | None) -> dict[str, Any]:
    policy = settings.POLICY
    purpose = policy.purpose(record.purpose)
    categories = _categories_for(record.purpose)
    recipients = [
        {"name": r.name, "kind": r.kind.value, "condition": r.condition}
        for r in policy.recipients
        if set(r.categories) & set(categories)
    ]
    consent = policy.category("user.consent")
    return {
        "schema": STANDARD,
        "record_id": str(record.id),
        "subject_id": str(record.subject_id),
        "controller": {"name": policy.controller.name, "contact": policy.controller.email},
        "purposes": [{"id": record.purpose, "description": purpose.description if purpose else ""}],
        "legal_basis": purpose.legal_basis.value if purpose else "consent",
        "data_categories": categories,
        "state": "given" if record.given else "refused-or-withdrawn",
        "given_at": record.at.isoformat() if record.given else None,
        "withdrawn_at": withdrawn_at,
        "collection_method": record.form,
        "notice": {
            "sha256": record.notice_id,
            "effective": record.notice.effective.isoformat(),
            "url": "/privacy/",
        },
        "jurisdiction": policy.law.jurisdiction,
        "recipients": recipients,
        "retention": (
            consent.retention.reason or str(consent.retention.maximum) if consent else "not stated"
        ),
        "withdrawal": purpose.withdraw if purpose else "",
    }


def consent_receipts(*, subject: Subject) -> list[dict[str, Any]]:
    """Every decision of a subject, oldest first, each knowing when it was withdrawn."""
    history = consent_history(subject=subject)
    receipts = []
    for index, record in enumerate(history):
        later = [r for r in history[index + 1 :] if r.purpose == record.purpose]
        withdrawn = next((r.at.isoformat() for r in later if not r.given), None)
        receipts.append(consent_record_27560(record, withdrawn if record.given else None))
    return receipts
