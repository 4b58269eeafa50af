"""Writes of the correspondence archive: importing mail, filing enquiries, answering them.

Import (``messages_import`` and the two commands' services) parses and redacts each message,
recognises one already taken in, links it to every correspondent by the blind index of their
address (the operator's own addresses left out) and stores one copy per correspondent under
that person's key, in batches: see ``pledge.correspondence.importing``. A run killed half-way
is simply run again: what was committed is recognised and skipped. Nothing of a message that
could not be kept is stored; it is reported with its location in the source, where it still is.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterable
from email.utils import formataddr
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.correspondence.addresses import parse_address_header
from pledge.correspondence.imap import ImapSettings, connect, disconnect, folder_batches
from pledge.correspondence.importing import (
    Importer,
    ImportReport,
    Reporter,
    attachment_meta,
    chunked,
    own_addresses,
)
from pledge.correspondence.models import (
    CORRESPONDENCE,
    Attachment,
    AttachmentChunk,
    Direction,
    Fingerprint,
    Message,
    Source,
)
from pledge.correspondence.parsing import Parsed
from pledge.correspondence.redaction import redact_text
from pledge.correspondence.sources import DEFAULT_MAX_BYTES, Envelope, envelopes
from pledge.policy import Policy
from pledge.vault.blind_index import normalise_email
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_for_email

BATCH = 500


def message_copy_create(
    *,
    subject_id: uuid.UUID,
    parsed: Parsed,
    fingerprint: Fingerprint | None,
    received_at: dt.datetime,
    direction: Direction,
    source: Source,
    size: int,
) -> Message:
    """One correspondent's copy: the message and its attachments under their key."""
    message = Message(
        subject_id=subject_id,
        fingerprint=fingerprint,
        received_at=received_at,
        direction=direction,
        source=source,
        size=size,
        card_numbers_removed=parsed.cards,
        headers=parsed.headers,
        text=parsed.text,
        html=parsed.html,
    )
    message.save(force_insert=True)
    for position, part in enumerate(parsed.attachments):
        attachment = Attachment(
            message=message,
            subject_id=subject_id,
            position=position,
            size=len(part.data),
            meta=attachment_meta(part.filename, part.content_type, part.data, part.cards),
        )
        attachment.save(force_insert=True)
        for index, chunk in enumerate(chunked(part.data)):
            AttachmentChunk(
                attachment=attachment, subject_id=subject_id, index=index, data=chunk
            ).save(force_insert=True)
    if parsed.cards:
        audit_record(
            action="correspondence.card_numbers_redacted",
            category=CORRESPONDENCE,
            count=parsed.cards,
            subject=subject_id,
            detail={"source": str(source)},
        )
    return message


def messages_import(
    *,
    envelopes: Iterable[Envelope],
    policy: Policy | None = None,
    report: Reporter | None = None,
    now: dt.datetime | None = None,
    batch: int = BATCH,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import a stream of messages, ``batch`` at a time (see ``importing`` for how)."""
    started = time.monotonic()
    importer = _importer(policy=policy, report=report, now=now)
    total = ImportReport()
    pending: list[Envelope] = []
    for envelope in envelopes:
        pending.append(envelope)
        if len(pending) >= batch:
            total.add(importer.batch(pending))
            pending.clear()
            if progress is not None:
                progress(total)
    if pending:
        total.add(importer.batch(pending))
        if progress is not None:
            progress(total)
    total.seconds = time.monotonic() - started
    return total


def _importer(
    *, policy: Policy | None = None, report: Reporter | None = None, now: dt.datetime | None = None
) -> Importer:
    return Importer(
        policy=policy or settings.POLICY,
        now=now or timezone.now(),
        report=report if report is not None else (lambda kind, location, words: None),
    )


def _written(*, sender: str, to: str, subject: str, text: str, note: str = "") -> Parsed:
    """A message written here (an enquiry, an answer) in the form imported mail takes."""
    body, cards = redact_text(text)
    headers: dict[str, object] = {"from": [sender], "to": [to], "subject": subject}
    headers["notes"] = [note] if note else []
    return Parsed(
        headers=headers,
        senders=[sender],
        recipients=[to],
        message_id=None,
        date=None,
        received=None,
        text=body,
        html=None,
        attachments=[],
        body_digest=b"",
        fallback_key="",
        cards=cards,
    )


@transaction.atomic
def enquiry_file(*, email: str, name: str, text: str, policy: Policy | None = None) -> Message:
    """File an enquiry from the site's contact form as received correspondence (JC14).

    The address was typed into a form, not proven; the stored copy says so. The form refuses
    card numbers; any that reach here are redacted all the same.
    """
    policy = policy or settings.POLICY
    subject = subject_for_email(email=email, kind=SubjectKind.CORRESPONDENT)
    parsed = _written(
        sender=formataddr((redact_text(name)[0], email)),
        to=policy.controller.email,
        subject="Enquiry from the contact form",
        text=text,
        note="sent through the website's contact form: the address was not verified",
    )
    message = message_copy_create(
        subject_id=subject.pk,
        parsed=parsed,
        fingerprint=None,
        received_at=timezone.now(),
        direction=Direction.RECEIVED,
        source=Source.CONTACT_FORM,
        size=len(text.encode("utf-8")),
    )
    audit_record(action="correspondence.enquiry_filed", category=CORRESPONDENCE, subject=subject.pk)
    return message


@transaction.atomic
def message_answer(*, message: Message, text: str, purpose: str, actor: str) -> Message:
    """Answer a message by email from the controller's address, and file the answer with it."""
    policy = settings.POLICY
    headers = message.headers.reveal(purpose=purpose)
    own = {normalise_email(a) for a in own_addresses(policy)}
    to = [a for a in _reply_addresses(headers) if normalise_email(a) not in own]
    if not to:
        raise ValueError("this message has no address to answer")
    subject = str(headers.get("subject") or "Your enquiry")
    subject = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    parsed = _written(sender=policy.controller.email, to=to[0], subject=subject, text=text)
    answer = message_copy_create(
        subject_id=message.subject_id,
        parsed=parsed,
        fingerprint=None,
        received_at=timezone.now(),
        direction=Direction.SENT,
        source=Source.ADMIN,
        size=len(parsed.text.encode("utf-8")),
    )
    audit_record(
        action="correspondence.answered",
        category=CORRESPONDENCE,
        subject=message.subject_id,
        actor=actor,
    )
    # Sent last: if sending fails, nothing is filed as sent (the transaction rolls back).
    EmailMessage(
        subject=subject, body=parsed.text, from_email=settings.DEFAULT_FROM_EMAIL, to=to[:1]
    ).send()
    return answer


def _reply_addresses(headers: dict[str, object]) -> list[str]:
    """Where an answer goes: Reply-To when the message has one, else From."""
    for name in ("reply_to", "from"):
        shown = headers.get(name)
        found = [a for s in shown or [] for a in parse_address_header(str(s))[0]]  # type: ignore[union-attr]
        if found:
            return found
    return []


def mailbox_import(
    *,
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    report: Reporter | None = None,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """``pledge mail import PATH``: a Maildir, an mbox file or a folder of ``.eml`` files."""
    return messages_import(
        envelopes=envelopes(path, max_bytes=max_bytes), report=report, progress=progress
    )


def mailbox_fetch(
    *, config: ImapSettings, max_bytes: int = DEFAULT_MAX_BYTES, report: Reporter | None = None
) -> ImportReport:
    """``pledge mail fetch``: what is new in the operator's IMAP folders since the last fetch.

    Each batch the server gives is committed before the folder's state moves past it.
    """
    started = time.monotonic()
    importer = _importer(report=report)
    total = ImportReport()
    conn = connect(config)
    try:
        for folder in config.folders:
            for batch, done in folder_batches(conn, config, folder, max_bytes=max_bytes):
                total.add(importer.batch(batch))
                done()
    finally:
        disconnect(conn)
    total.seconds = time.monotonic() - started
    return total
