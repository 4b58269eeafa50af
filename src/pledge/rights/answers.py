"""The written answer to a request: one text, sent as an email or printed as a letter.

The body of each answer is a template of its own (``rights/answers/<kind>.txt``), made from
what the request recorded (its outcome per category), so the email of japan-centre and the
letter of alps say the same thing in the same words, and an answer can be written again later
from the record alone. A letter is written as text and as a PDF for the operator to post; it
names the request by its reference and never the person, so the files keep no one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from pledge.rights.models import Kind, RightsRequest
from pledge.rights.pdf import text_pdf
from pledge.vault.models import Subject

VERBS = {
    Kind.ACCESS: "copy",
    Kind.ERASURE: "erase",
    Kind.RECTIFICATION: "correct",
    Kind.OBJECTION: "stop",
}
FIELD_NAMES = {"name": "your name", "postal_address": "your postal address",
               "phone": "your telephone number", "marketing": "your marketing choice"}  # fmt: skip


def _day(moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(settings.POLICY.time_zone)).strftime("%-d %B %Y")


def answer_body(request: RightsRequest, **extra: Any) -> str:
    """The answer's words, from what the request recorded (``bundle_name`` for access)."""
    policy = settings.POLICY
    context: dict[str, Any] = {"policy": policy, "reference": request.reference, **extra}
    if request.subject_id is None:
        context["verb"] = VERBS[Kind(request.kind)]
        return render_to_string("rights/answers/unknown.txt", context).strip()
    outcome = list(request.outcome or [])
    if request.kind == Kind.ERASURE:
        context["rows"] = outcome
        context["kept"] = any(row["status"] == "kept" for row in outcome)
        context["fully_erased"] = Subject.objects.filter(
            pk=request.subject_id, erased_at__isnull=False
        ).exists()
    elif request.kind == Kind.ACCESS:
        context["rows"] = [row for row in outcome if not row.get("unlinked")]
        context["unlinked"] = [row["name"] for row in outcome if row.get("unlinked")]
    elif request.kind == Kind.RECTIFICATION:
        changed = outcome[0].get("corrected", []) if outcome else []
        context["changed"] = [FIELD_NAMES.get(name, name) for name in changed]
    elif request.kind == Kind.OBJECTION:
        row = outcome[0] if outcome else {}
        context["withdrawn"] = row.get("withdrawn", False)
        context["marketing"] = row.get("marketing", policy.has_marketing)
    return render_to_string(f"rights/answers/{request.kind}.txt", context).strip()


def letter_text(request: RightsRequest, body: str, *, now: dt.datetime | None = None) -> str:
    policy = settings.POLICY
    return (
        render_to_string(
            "rights/letters/letter.txt",
            {
                "controller": policy.controller,
                "regulator": policy.law.regulator,
                "today": _day(now or timezone.now()),
                "reference": request.reference,
                "received": _day(request.received_at),
                "kind_label": Kind(request.kind).label,
                "body": body,
            },
        ).strip()
        + "\n"
    )


def letter_write(out_dir: Path, request: RightsRequest, text: str) -> tuple[Path, Path]:
    """The letter as ``<reference>-<kind>-letter.txt`` and ``.pdf`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{request.reference}-{request.kind}-letter"
    txt, pdf = stem.with_suffix(".txt"), stem.with_suffix(".pdf")
    txt.write_text(text, encoding="utf-8")
    title = f"{settings.POLICY.controller.name}: your request {request.reference}"
    pdf.write_bytes(text_pdf(text, title=title))
    return txt, pdf
