"""Writes of the rights app: opening, verifying and answering requests, every step audited.

Each step that reads or changes a person's data first locks their ``Subject`` row
(``select_for_update``), so two requests for one person (two tabs, a doubled click, a letter
and a web request on the same day) run one after the other: the second sees what the first
did, so an erasure finds nothing left to erase and a link already used is refused. (SQLite has
no row locks; pledge's immediate transactions serialise every writer there anyway.)

Answers reuse the services that own the data: the erasure service (through ``account_close``
when there is an account), ``profile_update`` and ``consent_record`` as the account page uses
them. Sending the answer (mail or letter) is the caller's, after the commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pledge.accounts.models import User
from pledge.accounts.selectors import profile_of
from pledge.accounts.services import (
    RIGHTS_REQUEST_FORM,
    account_close,
    consent_current,
    consent_record,
    profile_update,
)
from pledge.audit.services import audit_record
from pledge.datamap.erasure import Outcome, subject_erase
from pledge.notices.selectors import notice_current
from pledge.rights.bundle import bundle_data, bundle_zip
from pledge.rights.deadlines import due_at
from pledge.rights.links import LinkRefused, link_digest, link_open, link_seal
from pledge.rights.models import Channel, Kind, RightsRequest, Status
from pledge.rights.selectors import link_problem, subject_by_email
from pledge.vault.models import Subject

LINK_LIFETIME = dt.timedelta(days=3)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


class RequestClosed(Exception):
    """The request is not open: not yet verified, or already answered."""


class NothingToCorrect(Exception):
    """No account details are held for the person, so there is nothing a correction could
    change (mail and orders are kept as they were written)."""


def _reference() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"R-{body[:4]}-{body[4:]}"


def _locked(subject_id: uuid.UUID | None) -> Subject | None:
    """The subject's row, locked until the transaction ends: one request at a time per person."""
    if subject_id is None:
        return None
    return Subject.objects.select_for_update().get(pk=subject_id)


def _open_again(request: RightsRequest, *, allow_done: bool = False) -> RightsRequest:
    """The request as it is now (read under the subject's lock), refused unless open."""
    fresh = RightsRequest.objects.select_for_update().get(pk=request.pk)
    allowed = {Status.OPEN, Status.DONE} if allow_done else {Status.OPEN}
    if fresh.status not in allowed:
        raise RequestClosed(f"request {fresh.reference} is {fresh.get_status_display()}")
    return fresh


def _complete(request: RightsRequest, *, now: dt.datetime, outcome: list[dict[str, Any]]) -> None:
    request.outcome = outcome
    if request.status != Status.DONE:
        request.status, request.completed_at = Status.DONE, now
    request.save(update_fields=["status", "completed_at", "outcome"])


# --- opening -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opened:
    """What a request on the site produced. ``request`` and ``token`` are None when the address
    is linked to no data: the caller must answer the page exactly as otherwise."""

    request: RightsRequest | None
    token: str | None


def request_open(*, email: str, kind: Kind, now: dt.datetime | None = None) -> Opened:
    """A request made on the site, waiting for its owner to follow the link sent to them."""
    now = now or timezone.now()
    subject = subject_by_email(email=email)
    if subject is None:
        audit_record(action="rights.unmatched", detail={"kind": str(kind), "channel": "web"})
        return Opened(None, None)
    with transaction.atomic():
        request = RightsRequest.objects.create(
            reference=_reference(),
            kind=kind,
            channel=Channel.WEB,
            subject=subject,
            received_at=now,
            link_expires_at=now + LINK_LIFETIME,
        )
        token = link_seal(request_id=request.pk, address=email)
        request.link_digest = link_digest(token)
        request.save(update_fields=["link_digest"])
        audit_record(
            action="rights.requested",
            subject=subject.pk,
            rule=request.reference,
            detail={"kind": str(kind), "channel": "web"},
        )
    return Opened(request, token)


@transaction.atomic
def request_record(
    *,
    kind: Kind,
    email: str,
    received_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    actor: str = "cli",
) -> RightsRequest:
    """A request that came in writing. The operator has checked who wrote, so the request is
    verified on receipt and the statutory month runs from then."""
    now = now or timezone.now()
    received = received_at or now
    subject = subject_by_email(email=email)
    _locked(subject.pk if subject else None)
    request = RightsRequest.objects.create(
        reference=_reference(),
        kind=kind,
        channel=Channel.WRITING,
        status=Status.OPEN,
        subject=subject,
        received_at=received,
        verified_at=received,
        due_at=due_at(settings.POLICY, received),
    )
    audit_record(
        action="rights.requested",
        subject=subject.pk if subject else None,
        rule=request.reference,
        actor=actor,
        detail={"kind": str(kind), "channel": "writing", "linked": subject is not None},
    )
    return request


# --- verifying -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verified:
    request: RightsRequest
    address: str


def request_verify(
    *, request_id: uuid.UUID, token: str, now: dt.datetime | None = None
) -> Verified:
    """Follow a one-time link: the person has shown they hold the address; the month starts.

    Raises ``LinkRefused`` (audited) for a link that is not ours, used, or out of date.
    """
    now = now or timezone.now()
    subject_id = (
        RightsRequest.objects.filter(pk=request_id).values_list("subject_id", flat=True).first()
    )
    try:
        with transaction.atomic():
            _locked(subject_id)
            request = RightsRequest.objects.select_for_update().filter(pk=request_id).first()
            why = link_problem(request, token, now=now)
            address = link_open(request_id=request_id, token=token) if why is None else None
            if request is None or why is not None or address is None:
                raise LinkRefused(why or "unknown")
            request.status, request.verified_at = Status.OPEN, now
            request.due_at = due_at(settings.POLICY, now)
            request.save(update_fields=["status", "verified_at", "due_at"])
            audit_record(
                action="rights.verified",
                subject=subject_id,
                rule=request.reference,
                detail={"kind": request.kind},
            )
    except LinkRefused as refused:
        if refused.why == "expired":
            RightsRequest.objects.filter(pk=request_id, status=Status.UNVERIFIED).update(
                status=Status.LAPSED
            )
        audit_record(action="rights.link_refused", subject=subject_id, detail={"why": refused.why})
        raise
    return Verified(request, address)


# --- answering -----------------------------------------------------------------------------


def _outcome_dict(outcome: Outcome) -> dict[str, Any]:
    category = settings.POLICY.category(outcome.category)
    return {
        "category": outcome.category,
        "name": category.name if category else outcome.category,
        "status": outcome.status,
        "count": outcome.count,
        "until": outcome.until.isoformat() if outcome.until else None,
        "rule": outcome.rule,
        "words": outcome.words(settings.POLICY.time_zone),
    }


def access_answer(
    *, request: RightsRequest, now: dt.datetime | None = None, actor: str = "system"
) -> bytes:
    """The bundle of everything held about the person who made ``request``; answers it."""
    now = now or timezone.now()
    with transaction.atomic():
        subject = _locked(request.subject_id)
        request = _open_again(request, allow_done=True)
        if subject is None:
            raise RequestClosed(f"request {request.reference} is linked to no data")
        data = bundle_data(subject=subject, reference=request.reference, now=now)
        content = bundle_zip(data)
        _complete(
            request,
            now=now,
            outcome=[
                *(
                    {"category": c["id"], "name": c["name"], "records": c["records"]}
                    for c in data["categories"]
                ),
                *(
                    {"category": u["id"], "name": u["name"], "unlinked": True}
                    for u in data["held_unlinked"]
                ),
            ],
        )
        audit_record(
            action="rights.access_answered",
            subject=subject.pk,
            count=data["about"]["records"],
            rule=request.reference,
            actor=actor,
            detail={"categories": [c["id"] for c in data["categories"]]},
        )
    return content


def erasure_answer(
    *, request: RightsRequest, now: dt.datetime | None = None, actor: str = "system"
) -> list[dict[str, Any]]:
    """Erase what the policy lets go, through the erasure service; the outcome per category."""
    now = now or timezone.now()
    with transaction.atomic():
        subject = _locked(request.subject_id)
        request = _open_again(request)
        outcomes: list[Outcome] = []
        if subject is not None:
            reason = f"rights request {request.reference}"
            user = User.objects.filter(subject=subject).first()
            if user is not None:
                outcomes = account_close(user=user, reason=reason)
            else:
                outcomes = subject_erase(subject_id=subject.pk, reason=reason, now=now, actor=actor)
        rows = [_outcome_dict(o) for o in outcomes]
        _complete(request, now=now, outcome=rows)
        audit_record(
            action="rights.erasure_answered",
            subject=subject.pk if subject else None,
            count=sum(o.count for o in outcomes if o.status == "erased"),
            rule=request.reference,
            actor=actor,
            detail={
                "erased": sorted(o.category for o in outcomes if o.status == "erased"),
                "kept": sorted(o.category for o in outcomes if o.status == "kept"),
            },
        )
    return rows


@dataclass(frozen=True, slots=True)
class Correction:
    """New account details; a field left None keeps its present value."""

    name: str | None = None
    postal_address: str | None = None
    phone: str | None = None
    marketing: bool | None = None


def rectification_apply(
    *,
    request: RightsRequest,
    correction: Correction,
    now: dt.datetime | None = None,
    actor: str = "system",
) -> list[str]:
    """Correct the details through ``profile_update``, as the account page does. Returns the
    names of the fields that changed (no values)."""
    now = now or timezone.now()
    with transaction.atomic():
        subject = _locked(request.subject_id)
        request = _open_again(request)
        profile = profile_of(subject=subject) if subject is not None else None
        if subject is None or profile is None:
            raise NothingToCorrect("no account details are held for this person")
        current = consent_current(subject=subject, purpose="marketing")
        before = {
            "name": profile.name.reveal(purpose="subject-access"),
            "postal_address": profile.postal_address.reveal(purpose="subject-access"),
            "phone": profile.phone.reveal(purpose="subject-access") if profile.phone else "",
            "marketing": bool(current and current.given),
        }
        after = {
            key: before[key] if getattr(correction, key) is None else getattr(correction, key)
            for key in before
        }
        profile_update(
            subject=subject,
            name=after["name"],
            postal_address=after["postal_address"],
            phone=after["phone"],
            marketing=after["marketing"],
            notice=notice_current(policy=settings.POLICY),
            form=RIGHTS_REQUEST_FORM,
        )
        changed = sorted(k for k in before if before[k] != after[k])
        _complete(request, now=now, outcome=[{"category": "user.account", "corrected": changed}])
        audit_record(
            action="rights.rectified",
            subject=subject.pk,
            category="user.account",
            count=len(changed),
            rule=request.reference,
            actor=actor,
            detail={"fields": changed},
        )
    return changed


def objection_apply(
    *, request: RightsRequest, now: dt.datetime | None = None, actor: str = "system"
) -> bool:
    """Withdraw marketing consent at once (JC13). True if consent stood and is now withdrawn."""
    now = now or timezone.now()
    policy = settings.POLICY
    marketing = next((p.id for p in policy.purposes if p.marketing), None)
    with transaction.atomic():
        subject = _locked(request.subject_id)
        request = _open_again(request)
        withdrawn = False
        if marketing is not None and subject is not None:
            record = consent_record(
                subject=subject,
                purpose=marketing,
                given=False,
                form=RIGHTS_REQUEST_FORM,
                notice=notice_current(policy=policy),
            )
            withdrawn = record is not None
        _complete(
            request,
            now=now,
            outcome=[{"purpose": marketing, "withdrawn": withdrawn, "marketing": bool(marketing)}],
        )
        audit_record(
            action="rights.objection_answered",
            subject=subject.pk if subject else None,
            category="user.consent" if marketing else "",
            rule=request.reference,
            actor=actor,
            detail={"withdrawn": withdrawn, "policy_has_marketing": marketing is not None},
        )
    return withdrawn


@transaction.atomic
def request_complete(
    *, request: RightsRequest, note: str, actor: str, now: dt.datetime | None = None
) -> None:
    """Mark a request answered by other means (the operator wrote back by hand)."""
    now = now or timezone.now()
    _locked(request.subject_id)
    request = _open_again(request)
    request.note = note[:300]
    request.save(update_fields=["note"])
    _complete(request, now=now, outcome=request.outcome)
    audit_record(
        action="rights.completed", subject=request.subject_id, rule=request.reference, actor=actor
    )


def answer_record(*, request: RightsRequest, by: str, actor: str = "system") -> None:
    """Record that the answer went out, and how: "email" or "letter" (text and PDF)."""
    audit_record(
        action="rights.answer_sent",
        subject=request.subject_id,
        rule=request.reference,
        actor=actor,
        detail={"by": by, "kind": request.kind},
    )
