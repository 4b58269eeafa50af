"""The access bundle: one zip holding everything held about a person, for machines and people.

``data.json`` holds the facts; ``index.html`` is the same facts as a page anyone can open (no
script, nothing loaded from anywhere); ``README.txt`` says what the files are. Built from the
datamap (``pledge.rights.collect``) plus the records that describe what was done with the data:
consents as ISO/IEC TS 27560 records, disclosures (unless the law restricts telling), the
person's requests and the audit events about them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from django.conf import settings
from django.utils import timezone

from pledge.accounts.consent import consent_receipts
from pledge.audit.selectors import audit_events_for_subject
from pledge.disclosures.selectors import disclosures_about
from pledge.rights.collect import Collected, subject_collect
from pledge.rights.page import bundle_page
from pledge.rights.selectors import requests_of
from pledge.vault.models import Subject
from pledge.vault.purposes import SUBJECT_ACCESS

README = """\
Your data, from {controller}
Reference {reference}, made {when}.

index.html  everything we hold about you, as a page: open it in any web browser.
data.json   the same, in a form other programs can read (JSON). Consent records follow
            ISO/IEC TS 27560.

Questions: {email}
"""


def collected_as_dict(collected: Collected) -> dict[str, Any]:
    return {
        "categories": [
            {
                "id": c.id,
                "name": c.name,
                "purposes": c.purposes,
                "retention": c.retention,
                "records": c.count,
                "holders": [
                    {
                        "holder": h.holder,
                        "description": h.description,
                        "fields": [{"key": k, "label": label} for k, label in h.fields],
                        "records": h.records,
                    }
                    for h in c.holders
                ],
            }
            for c in collected.held
        ],
        "held_unlinked": [
            {"id": u.id, "name": u.name, "what": u.what, "why": UNLINKED_WHY}
            for u in collected.unlinked
        ],
        "not_held": [{"id": i, "name": n} for i, n in collected.not_held],
    }


UNLINKED_WHY = (
    "Held without any link to a person's email address (for example web server log lines, "
    "which are kept by IP address and time): we cannot tell which of these records, if any, "
    "are about you. If you can tell us your IP address and when you visited, write to us."
)


def _audit(subject_id: Any) -> list[dict[str, Any]]:
    return [
        {
            "sequence": e.sequence,
            "when": e.occurred_at.isoformat(),
            "action": e.action,
            "category": e.category,
            "count": e.count,
            "rule": e.rule,
            "actor": e.actor,
            "detail": e.detail,
        }
        for e in audit_events_for_subject(subject_id)
    ]


def bundle_data(
    *, subject: Subject, reference: str = "", now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything about ``subject`` as one JSON-ready mapping."""
    policy = settings.POLICY
    now = now or timezone.now()
    collected = subject_collect(subject_id=subject.pk, purpose=SUBJECT_ACCESS)
    return {
        "about": {
            "controller": policy.controller.name,
            "contact": policy.controller.email,
            "policy": policy.id,
            "made_at": now.isoformat(),
            "time_zone": policy.time_zone,
            "reference": reference,
            "subject_id": str(subject.pk),
            "records": collected.count,
            "rights": policy.rights.how,
            "regulator": policy.law.regulator,
        },
        **collected_as_dict(collected),
        "consents": consent_receipts(subject=subject),
        "disclosures": disclosures_about(subject_id=subject.pk),
        "requests": requests_of(subject_id=subject.pk),
        "audit_events": _audit(subject.pk),
    }


def bundle_zip(data: dict[str, Any]) -> bytes:
    about = data["about"]
    readme = README.format(
        controller=about["controller"],
        reference=about["reference"] or "-",
        when=about["made_at"],
        email=about["contact"],
    )
    buffer = io.BytesIO()
    # Level 1: a tenth of the time of the default for most of the size saving.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("README.txt", readme)
        # No indent: json's C encoder runs only without one, ten times faster on big copies.
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False))
        archive.writestr("index.html", bundle_page(data))
    return buffer.getvalue()


def bundle_build(*, subject: Subject, reference: str = "", now: dt.datetime | None = None) -> bytes:
    return bundle_zip(bundle_data(subject=subject, reference=reference, now=now))
