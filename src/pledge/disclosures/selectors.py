"""Reading the disclosure register."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from pledge.disclosures.models import Disclosure


def register_entries() -> QuerySet[Disclosure]:
    return Disclosure.objects.order_by("-made_at")


def disclosures_about(*, subject_id: uuid.UUID) -> list[dict[str, Any]]:
    """What the person may be told about disclosures of their data: restricted entries (the law
    forbids telling them, for now) are left out, and nothing says that any were."""
    entries = Disclosure.objects.filter(subject=subject_id, restricted=False).order_by("made_at")
    return [
        {
            "number": e.number,
            "when": e.made_at.isoformat(),
            "recipient": e.recipient_name,
            "recipient_kind": e.recipient_kind,
            "basis": e.basis,
            "reference": e.reference,
            "categories": list(e.categories),
            "records": e.count,
            "what": e.what,
        }
        for e in entries
    ]
