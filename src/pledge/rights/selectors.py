"""Reads of the rights app: who an address is, requests and their state."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone

from pledge.rights.deadlines import State, state_of
from pledge.rights.links import LinkRefused, digest_matches
from pledge.rights.models import RightsRequest, Status
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject


def subject_by_email(*, email: str) -> Subject | None:
    """The live subject an address identifies, through the blind index; None if none."""
    return Subject.objects.filter(email_index=email_index(email), erased_at=None).first()


def request_state(request: RightsRequest, *, now: dt.datetime | None = None) -> State:
    return state_of(
        status=request.status,
        due=request.due_at,
        link_expires=request.link_expires_at,
        now=now or timezone.now(),
    )


def requests_listing(
    *, states: set[State] | None = None, now: dt.datetime | None = None
) -> list[tuple[RightsRequest, State]]:
    """Requests with their state now, the soonest due first, done ones after, newest first."""
    now = now or timezone.now()
    rows = [(r, request_state(r, now=now)) for r in RightsRequest.objects.all()]
    if states is not None:
        rows = [(r, s) for r, s in rows if s in states]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(
        rows,
        key=lambda rs: (
            rs[1] == "done",
            rs[0].due_at or far,
            -(rs[0].received_at.timestamp()),
        ),
    )


def requests_of(*, subject_id: uuid.UUID) -> list[dict[str, Any]]:
    """A person's own requests, for their copy of their data."""
    zone = settings.POLICY.time_zone
    now = timezone.now()
    return [
        {
            "reference": r.reference,
            "kind": r.kind,
            "channel": r.channel,
            "received": r.received_at.isoformat(),
            "due": r.due_at.isoformat() if r.due_at else None,
            "state": request_state(r, now=now),
            "time_zone": zone,
        }
        for r in RightsRequest.objects.filter(subject=subject_id)
        .exclude(status=Status.LAPSED)
        .order_by("received_at")
    ]


def link_problem(request: RightsRequest | None, token: str, *, now: dt.datetime) -> str | None:
    """Why a one-time link cannot be used ("unknown", "used", "expired"), or None if it can."""
    if request is None or not digest_matches(request.link_digest, token):
        return "unknown"
    if request.verified_at is not None or request.status != Status.UNVERIFIED:
        return "used" if request.status != Status.LAPSED else "expired"
    if request.link_expires_at is None or request.link_expires_at <= now:
        return "expired"
    return None


def request_for_link(
    *, request_id: uuid.UUID, token: str, now: dt.datetime | None = None
) -> RightsRequest:
    """The request a link belongs to, if the link can still be used; else ``LinkRefused``."""
    request = RightsRequest.objects.filter(pk=request_id).first()
    why = link_problem(request, token, now=now or timezone.now())
    if why is not None or request is None:
        raise LinkRefused(why or "unknown")
    return request
