"""``pledge rights access|erase|rectify|object --email ADDRESS`` and ``pledge rights list``.

Requests that arrive in writing (the only way under alps; a letter or an email to japan-centre)
are entered here by the operator, who has checked who wrote. Each is answered at once and in
writing: under a policy whose requests come only in writing (``rights.in_writing_only``, alps)
as a letter, text and PDF, for the operator to post; otherwise by email to the address. A copy
of the data is a zip written to ``--out``, for the operator to send with the answer.

An address linked to no data is answered as such ("we hold nothing under it"); the operator,
unlike a visitor to the site, is told so.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from pledge.rights.answers import answer_body, letter_text, letter_write
from pledge.rights.deadlines import STATES
from pledge.rights.models import Kind, RightsRequest
from pledge.rights.selectors import requests_listing
from pledge.rights.services import (
    Correction,
    NothingToCorrect,
    access_answer,
    answer_record,
    erasure_answer,
    objection_apply,
    rectification_apply,
    request_complete,
    request_record,
)

ACTIONS = {
    "access": (Kind.ACCESS, "a copy of everything held about the person, as a zip"),
    "erase": (Kind.ERASURE, "erase what the policy lets go; the outcome per kind of data"),
    "rectify": (Kind.RECTIFICATION, "correct account details (as the account page does)"),
    "object": (Kind.OBJECTION, "stop marketing at once"),
}
ACTOR = "cli"


def _instant(text: str) -> dt.datetime:
    """An ISO date (local midnight in the controller's zone) or date and time."""
    zone = ZoneInfo(settings.POLICY.time_zone)
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(f"--received {text!r}: give a date (2026-05-10) or date and time")
        moment = dt.datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _local(moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(settings.POLICY.time_zone)).strftime("%Y-%m-%d %H:%M")


class Command(BaseCommand):
    help = "Data-subject requests that arrived in writing, and the list of all requests."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, (_, what) in ACTIONS.items():
            action = actions.add_parser(name, help=what)
            action.add_argument("--email", required=True, help="the address the person gave")
            action.add_argument("--received", help="when the request arrived (default: now)")
            action.add_argument(
                "--out", type=Path, default=Path.cwd(), help="where copies and letters go"
            )
            if name == "rectify":
                action.add_argument("--name")
                action.add_argument("--postal-address")
                action.add_argument("--phone")
        listing = actions.add_parser("list", help="requests: open, overdue, done")
        listing.add_argument("--state", choices=[*STATES, "all"], default="all")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            self._list(options["state"], options["json"])
            return
        kind = ACTIONS[action][0]
        received = _instant(options["received"]) if options["received"] else None
        request = request_record(
            kind=kind, email=options["email"], received_at=received, actor=ACTOR
        )
        out: Path = options["out"]
        extra: dict[str, Any] = {}
        if request.subject_id is None:
            request_complete(request=request, note="no data linked to the address", actor=ACTOR)
            self.stdout.write(f"{request.reference}: no data is linked to that address")
        elif kind == Kind.ACCESS:
            extra["bundle_name"] = self._copy(request, out)
        elif kind == Kind.ERASURE:
            for row in erasure_answer(request=request, actor=ACTOR):
                self.stdout.write(f"  {row['name']}: {row['words']}")
        elif kind == Kind.RECTIFICATION:
            self._rectify(request, options)
        else:
            withdrawn = objection_apply(request=request, actor=ACTOR)
            self.stdout.write(
                "  marketing consent withdrawn" if withdrawn else "  no consent stood"
            )
        request.refresh_from_db()
        self._answer(request, answer_body(request, **extra), options["email"], out)

    def _copy(self, request: RightsRequest, out: Path) -> str:
        content = access_answer(request=request, actor=ACTOR)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{request.reference}-data.zip"
        path.touch(mode=0o600)
        path.write_bytes(content)
        self.stdout.write(
            f"{request.reference}: copy of the data in {path}: send it with the answer"
        )
        return path.name

    def _rectify(self, request: RightsRequest, options: dict[str, Any]) -> None:
        correction = Correction(
            name=options["name"], postal_address=options["postal_address"], phone=options["phone"]
        )
        try:
            changed = rectification_apply(request=request, correction=correction, actor=ACTOR)
        except NothingToCorrect:
            request_complete(request=request, note="no account details held", actor=ACTOR)
            self.stdout.write("  no account details are held: nothing to correct")
            return
        self.stdout.write(f"  corrected: {', '.join(changed) or 'nothing (already so)'}")

    def _answer(self, request: RightsRequest, body: str, email: str, out: Path) -> None:
        if settings.POLICY.rights.in_writing_only:
            txt, pdf = letter_write(out, request, letter_text(request, body))
            answer_record(request=request, by="letter", actor=ACTOR)
            self.stdout.write(f"{request.reference}: answer to post: {txt} and {pdf}")
            return
        from pledge.web.mail import mail_send  # the edge that sends mail; imported when used

        mail_send(
            to=email,
            template="rights_answer",
            context={"reference": request.reference, "body": body},
        )
        answer_record(request=request, by="email", actor=ACTOR)
        self.stdout.write(f"{request.reference}: answer sent by email")

    def _list(self, state: str, as_json: bool) -> None:
        now = timezone.now()
        wanted = None if state == "all" else {state}
        rows = requests_listing(states=wanted, now=now)  # type: ignore[arg-type]
        if as_json:
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "reference": r.reference,
                            "kind": r.kind,
                            "channel": r.channel,
                            "state": s,
                            "received": r.received_at.isoformat(),
                            "due": r.due_at.isoformat() if r.due_at else None,
                            "completed": r.completed_at.isoformat() if r.completed_at else None,
                        }
                        for r, s in rows
                    ],
                    indent=2,
                )
            )
            return
        self.stdout.write(
            f"{'reference':<12} {'kind':<14} {'channel':<8} {'state':<22} "
            f"{'received':<16} {'due':<16} done"
        )
        for r, s in rows:
            self.stdout.write(
                f"{r.reference:<12} {r.kind:<14} {r.channel:<8} {s:<22} "
                f"{_local(r.received_at):<16} {_local(r.due_at):<16} {_local(r.completed_at)}"
            )
        counts = {name: sum(1 for _, s in rows if s == name) for name in STATES}
        summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n or name != "lapsed")
        self.stdout.write(f"{summary} (times in {settings.POLICY.time_zone})")
