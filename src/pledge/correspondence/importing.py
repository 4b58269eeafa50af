"""The import pipeline behind ``messages_import``: parse, recognise, link, seal, store.

Messages go through in batches. For a batch: every message is parsed and redacted (pure CPU);
one query finds which are already imported; the correspondents' subjects are found with one
query (new ones created); each copy is sealed under its subject's key; and everything is
inserted in bulk in one transaction together with one audit event counting it. Keys, blind
index lookups and subjects are cached for the run (bounded), so a large mailbox costs a few
queries per batch rather than several per message.

If a batch fails to store (something unforeseen in one message), it is rolled back and stored
again one message at a time, each in a savepoint, so the one at fault is reported with its
location and the rest are kept.

Caching a subject's key for the run means that if the same person were erased *during* an
import, a message stored after the erasure would be sealed under the destroyed key: it could
never be read, and is removed with the subject's other rows by the next erasure or sweep.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction

from pledge.audit.services import audit_record
from pledge.correspondence.choices import Direction
from pledge.correspondence.models import (
    CORRESPONDENCE,
    Attachment,
    AttachmentChunk,
    Fingerprint,
    Message,
)
from pledge.correspondence.parsing import Parsed, Unreadable, parse
from pledge.correspondence.sources import Envelope
from pledge.policy import Policy
from pledge.vault import crypto, keyring
from pledge.vault.blind_index import email_index, normalise_email
from pledge.vault.fields import Sealed
from pledge.vault.models import Subject, SubjectKind

logger = logging.getLogger(__name__)

# Keyed digests of messages already imported; a named key like the blind index's.
FINGERPRINT_KEY = keyring.KeyRef(category="vault.blind_index", name="message-fingerprint")
CACHE = 10_000  # subjects and keys kept per run: memory is bounded whatever the mailbox

Reporter = Callable[[str, str, str], None]  # (kind: "problem" | "note", location, words)


@dataclass
class ImportReport:
    """Counts of an import; problems and notes go to the reporter as they happen."""

    read: int = 0
    stored: int = 0
    copies: int = 0
    duplicates: int = 0
    problems: int = 0
    noted: int = 0
    cards: int = 0
    seconds: float = 0.0

    def add(self, other: ImportReport) -> None:
        for name in ("read", "stored", "copies", "duplicates", "problems", "noted", "cards"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds

    def summary(self) -> str:
        rate = f", {self.read / self.seconds:.0f} messages/s" if self.seconds else ""
        return (
            f"{self.read} read: {self.stored} stored as {self.copies} copies, "
            f"{self.duplicates} already imported, {self.problems} not imported, "
            f"{self.noted} with notes, {self.cards} card numbers removed{rate}"
        )


@dataclass
class Item:
    """One message on its way in."""

    envelope: Envelope
    parsed: Parsed
    key: str
    body: str
    people: list[str]
    received_at: dt.datetime
    notes: list[str] = field(default_factory=list)


def own_addresses(policy: Policy) -> list[str]:
    return [policy.controller.email, *policy.controller.own_addresses]


def correspondents(addresses: Iterable[str], own: Iterable[str]) -> list[str]:
    """The distinct ``addresses`` that are not the operator's own, in order of appearance.

    Compared as the blind index compares them (case-folded, NFKC), so ``Info@ALPS-printer.jp``
    is the operator's address too.
    """
    excluded = {normalise_email(a) for a in own}
    seen: set[str] = set()
    result = []
    for address in addresses:
        key = normalise_email(address)
        if key in excluded or key in seen:
            continue
        seen.add(key)
        result.append(address)
    return result


class _Bounded(OrderedDict[Any, Any]):
    """A dict that forgets its oldest entries beyond ``CACHE``."""

    def put(self, key: Any, value: Any) -> Any:
        self[key] = value
        if len(self) > CACHE:
            self.popitem(last=False)
        return value


class Importer:
    def __init__(self, *, policy: Policy, now: dt.datetime, report: Reporter):
        self.own = own_addresses(policy)
        self.own_normalised = {normalise_email(a) for a in self.own}
        self.now = now
        self.report = report
        self.fingerprint_key = keyring.get_or_create(FINGERPRINT_KEY)
        self.subjects = _Bounded()  # normalised address: subject id
        self.keys = _Bounded()  # subject id: data key for correspondence

    def forget(self) -> None:
        """After a rollback: subjects and keys made in it may no longer exist."""
        self.subjects.clear()
        self.keys.clear()

    # --- a batch ---------------------------------------------------------------------------

    def batch(self, envelopes: list[Envelope]) -> ImportReport:
        counts = ImportReport(read=len(envelopes))
        items = self.recognise(
            [i for e in envelopes if (i := self.prepare(e, counts)) is not None], counts
        )
        try:
            with transaction.atomic():
                stored = self.store(items, counts)
                self.audit(counts)
        except Exception:
            logger.exception("an import batch failed; storing its messages one by one")
            self.forget()
            counts.stored = counts.copies = counts.cards = 0
            stored = []
            with transaction.atomic():
                for item in items:
                    try:
                        with transaction.atomic():
                            stored += self.store([item], counts)
                    except Exception as exc:
                        self.forget()
                        if isinstance(exc, IntegrityError) and self.taken_in(item):
                            counts.duplicates += 1  # another import took it in meanwhile
                            continue
                        logger.exception("import failed at %s", item.envelope.location)
                        self.problem(counts, item.envelope, f"not stored ({type(exc).__name__})")
                self.audit(counts)
        for item in stored:
            if item.notes:
                counts.noted += 1
                self.report("note", item.envelope.location, "; ".join(item.notes))
        return counts

    def prepare(self, envelope: Envelope, counts: ImportReport) -> Item | None:
        if envelope.raw is None:
            size = f"{envelope.size / (1024 * 1024):.1f} MB"
            self.problem(counts, envelope, f"too large ({size}, over the limit): not imported")
            return None
        try:
            parsed = parse(envelope.raw, now=self.now)
        except Unreadable as exc:
            self.problem(counts, envelope, f"unreadable: {exc}")
            return None
        except Exception as exc:
            logger.exception("parsing failed at %s", envelope.location)
            self.problem(counts, envelope, f"could not be read ({type(exc).__name__})")
            return None
        people = correspondents(parsed.addresses, self.own)
        if not people:
            words = "no correspondent: no address in From, To or Cc but our own"
            self.problem(counts, envelope, words)
            return None
        key, body = self.fingerprint(parsed)
        received_at, how = self.received_at(parsed, envelope)
        notes = [*parsed.notes, how] if how else list(parsed.notes)
        # The raw bytes are not needed any more: a batch holds only what it stores.
        envelope = dataclasses.replace(envelope, raw=None)
        return Item(envelope, parsed, key, body, people, received_at, notes)

    def taken_in(self, item: Item) -> bool:
        return Fingerprint.objects.filter(key=item.key, body=item.body).exists()

    def recognise(self, items: list[Item], counts: ImportReport) -> list[Item]:
        """The items not imported before (nor earlier in this batch)."""
        known: dict[str, set[str]] = {}
        for key, body in Fingerprint.objects.filter(key__in={i.key for i in items}).values_list(
            "key", "body"
        ):
            known.setdefault(key, set()).add(body)
        fresh = []
        for item in items:
            bodies = known.setdefault(item.key, set())
            if item.body in bodies:
                counts.duplicates += 1
                continue
            if bodies:
                item.notes.append("its Message-ID was already imported with another body: kept too")
            bodies.add(item.body)
            fresh.append(item)
        return fresh

    # --- storing ---------------------------------------------------------------------------

    def store(self, items: list[Item], counts: ImportReport) -> list[Item]:
        subjects = self.subjects_for({a for item in items for a in item.people})
        fingerprints, messages, attachments, chunks = [], [], [], []
        for item in items:
            fingerprint = Fingerprint(key=item.key, body=item.body)
            fingerprints.append(fingerprint)
            direction = Direction.SENT if self.from_us(item.parsed) else Direction.RECEIVED
            for address in item.people:
                message, parts = self.copy(item, subjects[normalise_email(address)], direction)
                message.fingerprint = fingerprint
                messages.append(message)
                for attachment, pieces in parts:
                    attachments.append(attachment)
                    chunks.extend(pieces)
        Fingerprint.objects.bulk_create(fingerprints)
        Message.objects.bulk_create(messages, batch_size=500)
        Attachment.objects.bulk_create(attachments, batch_size=500)
        AttachmentChunk.objects.bulk_create(chunks, batch_size=8)
        counts.stored += len(items)
        counts.copies += len(messages)
        counts.cards += sum(item.parsed.cards for item in items)
        for message in messages:
            if message.card_numbers_removed:
                audit_record(
                    action="correspondence.card_numbers_redacted",
                    category=CORRESPONDENCE,
                    count=message.card_numbers_removed,
                    subject=message.subject_id,
                    detail={"source": str(message.source)},
                )
        return items

    def copy(
        self, item: Item, subject_id: uuid.UUID, direction: str
    ) -> tuple[Message, list[tuple[Attachment, list[AttachmentChunk]]]]:
        """One correspondent's copy, sealed under their key, with its attachments."""
        parsed = item.parsed
        message = Message(
            subject_id=subject_id,
            received_at=item.received_at,
            direction=direction,
            source=item.envelope.source,
            size=item.envelope.size,
            card_numbers_removed=parsed.cards,
        )
        headers = {**parsed.headers, "notes": item.notes}  # the import's own notes too
        self.seal(message, headers=headers, text=parsed.text, html=parsed.html)
        parts = []
        for position, part in enumerate(parsed.attachments):
            attachment = Attachment(
                message=message, subject_id=subject_id, position=position, size=len(part.data)
            )
            self.seal(attachment, meta=attachment_meta(part.filename, part.content_type,
                                                       part.data, part.cards))  # fmt: skip
            pieces = []
            for index, chunk in enumerate(chunked(part.data)):
                piece = AttachmentChunk(attachment=attachment, subject_id=subject_id, index=index)
                self.seal(piece, data=chunk)
                pieces.append(piece)
            parts.append((attachment, pieces))
        return message, parts

    def seal(self, instance: models.Model, **values: Any) -> None:
        """Encrypt ``values`` into ``instance``'s fields as the fields themselves would.

        The same AES-256-GCM, key and associated data as ``EncryptedField.seal``; only the
        subject's key comes from this run's cache instead of one key-database query per field.
        """
        key = self.key_for(instance.subject_id)  # type: ignore[attr-defined]
        for name, value in values.items():
            if value is None:
                setattr(instance, name, None)
                continue
            model_field = instance._meta.get_field(name)
            sealed = crypto.seal(
                key,
                model_field.to_bytes(value),
                model_field.associated(instance),  # type: ignore[union-attr]
            )
            setattr(instance, name, Sealed(model_field, instance, sealed, None))  # type: ignore[arg-type]

    def key_for(self, subject_id: uuid.UUID) -> bytes:
        key = self.keys.get(subject_id)
        if key is None:
            ref = keyring.KeyRef(category=CORRESPONDENCE, subject=subject_id)
            key = self.keys.put(subject_id, keyring.get_or_create(ref))
        return key

    def subjects_for(self, addresses: set[str]) -> dict[str, uuid.UUID]:
        """Subject ids by normalised address: cached, else one query, else created."""
        found: dict[str, uuid.UUID] = {}
        wanted: dict[str, str] = {}  # blind index: address
        for address in addresses:
            normalised = normalise_email(address)
            if normalised in self.subjects:
                found[normalised] = self.subjects[normalised]
            else:
                wanted[email_index(address)] = address
        found.update(_existing(wanted))
        if wanted:
            # The rest are new: created in one statement (one made meanwhile by another
            # process is skipped by the unique index), then read back.
            Subject.objects.bulk_create(
                [Subject(kind=SubjectKind.CORRESPONDENT, email_index=i) for i in wanted],
                ignore_conflicts=True,
            )
            found.update(_existing(wanted))
        if wanted:
            raise RuntimeError(f"{len(wanted)} subjects could not be created")
        for normalised, subject_id in found.items():
            self.subjects.put(normalised, subject_id)
        return found

    # --- small parts -----------------------------------------------------------------------

    def fingerprint(self, parsed: Parsed) -> tuple[str, str]:
        body = crypto.mac(self.fingerprint_key, b"body\0" + parsed.body_digest)
        if parsed.message_id is not None:
            identity = b"id\0" + parsed.message_id.encode("utf-8", "replace")
        else:
            content = parsed.fallback_key.encode("utf-8", "replace") + b"\0" + parsed.body_digest
            identity = b"content\0" + content
        return crypto.mac(self.fingerprint_key, identity), body

    def received_at(self, parsed: Parsed, envelope: Envelope) -> tuple[dt.datetime, str]:
        """When we received it: our server's stamp, else the source's, else the Date header."""
        if parsed.received is not None:
            return parsed.received, ""
        if envelope.delivered_at is not None and envelope.delivered_at <= self.now:
            return envelope.delivered_at, ""
        if parsed.date is not None:
            return parsed.date, ""
        return self.now, "no date found: taken as received now"

    def from_us(self, parsed: Parsed) -> bool:
        return any(normalise_email(a) in self.own_normalised for a in parsed.senders)

    def problem(self, counts: ImportReport, envelope: Envelope, words: str) -> None:
        counts.problems += 1
        self.report("problem", envelope.location, words)

    def audit(self, counts: ImportReport) -> None:
        audit_record(
            action="correspondence.imported",
            category=CORRESPONDENCE,
            count=counts.copies,
            detail={
                "messages": counts.read,
                "stored": counts.stored,
                "duplicates": counts.duplicates,
                "not_imported": counts.problems,
                "card_numbers_removed": counts.cards,
            },
        )


def _existing(wanted: dict[str, str]) -> dict[str, uuid.UUID]:
    """Subjects found by blind index, by normalised address; found ones leave ``wanted``."""
    found = {}
    if wanted:
        rows = Subject.objects.filter(email_index__in=list(wanted))
        for index, subject_id in rows.values_list("email_index", "id"):
            found[normalise_email(wanted.pop(index))] = subject_id
    return found


def attachment_meta(filename: str, content_type: str, data: bytes, cards: int) -> dict[str, Any]:
    return {
        "filename": filename,
        "content_type": content_type,
        "sha256": hashlib.sha256(data).hexdigest(),
        "card_numbers_removed": cards,
    }


def chunked(data: bytes) -> Iterable[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), Attachment.CHUNK):
        yield bytes(view[start : start + Attachment.CHUNK])
