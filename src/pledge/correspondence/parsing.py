"""One email, from raw bytes to what the archive keeps.

Pure Python, no Django. Mail is often broken: missing boundaries, bad base64, wrong charsets,
8-bit headers, no Date or Message-ID. The parser is lenient and every problem becomes a note in
words (without any personal data), so a message is kept with its notes rather than lost. Only
a message that cannot be read at all raises ``Unreadable``.

Card numbers are redacted here, before anything leaves this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email import policy as email_policy
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from pledge.correspondence import charsets
from pledge.correspondence.addresses import MAX_HEADER, parse_address_header, unfold
from pledge.correspondence.redaction import redact_bytes, redact_text

ADDRESS_HEADERS = ("from", "to", "cc")
# Dates before this are taken to be wrong (a clock at zero); after now plus a day, too.
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
# The structure is parsed with the compat32 policy, several times faster than the default one
# (which builds an object for every header); the headers that matter are parsed on their own.
_PARSER = BytesParser(policy=email_policy.compat32)
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,900})>")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_TRAILING = frozenset(b" \t\r\n\x0b\x0c")
_HASH_CHUNK = 1024 * 1024


class Unreadable(ValueError):
    """Not an email at all: nothing to keep."""


@dataclass(frozen=True, slots=True)
class Part:
    """An attachment: its name, type and (redacted) bytes."""

    filename: str
    content_type: str
    data: bytes
    cards: int = 0


@dataclass(slots=True)
class Parsed:
    headers: dict[str, object]
    senders: list[str]
    recipients: list[str]
    message_id: str | None
    date: dt.datetime | None
    received: dt.datetime | None
    text: str
    html: str | None
    attachments: list[Part]
    body_digest: bytes  # SHA-256 of the body as every source stores it (``body_digest``)
    fallback_key: str
    cards: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        return [*self.senders, *self.recipients]


def parse(raw: bytes, *, now: dt.datetime) -> Parsed:
    """Read ``raw`` (one RFC 5322 message); raises ``Unreadable`` if it is not one."""
    if not raw.strip():
        raise Unreadable("empty message")
    head_end, body_start = split_head(raw)
    head = raw[:head_end]
    if not head.strip() or b":" not in head:
        raise Unreadable("no header block")
    try:
        message = _PARSER.parsebytes(raw)
    except Exception as exc:  # the parser's failures are not documented
        raise Unreadable(f"the MIME parser failed ({type(exc).__name__})") from None
    notes: list[str] = []
    raw_headers = _raw_headers(message)
    headers, senders, recipients = _address_headers(raw_headers)
    subject_text, subject_cards = redact_text(_unstructured(raw_headers.get("subject", [""])[0]))
    headers["subject"] = subject_text
    for name in ("date", "message-id", "in-reply-to"):
        if raw_headers.get(name):
            headers[name.replace("-", "_")] = charsets.clean(unfold(raw_headers[name][0]))[:998]
    message_id = _message_id(raw_headers.get("message-id", [""])[0])
    if not raw_headers.get("from"):
        notes.append("no From header")
    if message_id is None:
        notes.append("no Message-ID: recognised by a digest of its content")
    date = _date(raw_headers.get("date", [""])[0], now)
    if raw_headers.get("date") and date is None:
        notes.append("Date header unreadable or implausible")
    received = _received(raw_headers.get("received", []), now)
    walked = _Walk(notes)
    walked.visit(message)
    text, text_cards = redact_text(walked.text or "")
    html, html_cards = redact_text(walked.html) if walked.html is not None else (None, 0)
    defects = sorted({type(d).__name__ for d in _all_defects(message)})
    if defects:
        notes.append("MIME defects: " + ", ".join(defects[:8]))
    headers["notes"] = notes
    cards = subject_cards + text_cards + html_cards + sum(p.cards for p in walked.attachments)
    fallback = "\0".join(
        charsets.clean(unfold(raw_headers.get(n, [""])[0])) for n in ("date", "from", "subject")
    )
    return Parsed(
        headers=headers,
        senders=senders,
        recipients=recipients,
        message_id=message_id,
        date=date,
        received=received,
        text=text,
        html=html,
        attachments=walked.attachments,
        body_digest=body_digest(raw, body_start),
        fallback_key=fallback,
        cards=cards,
        notes=notes,
    )


def split_head(raw: bytes) -> tuple[int, int]:
    """Where the header block ends and the body starts: at the first empty line."""
    match = _BLANK_LINE.search(raw)
    if match is None:
        return len(raw), len(raw)
    return match.start(), match.end()


def body_digest(raw: bytes, start: int) -> bytes:
    """SHA-256 of the body as every source stores it: LF line ends, no trailing whitespace.

    Hashed a megabyte at a time over a view of ``raw``, so a 50 MB message is not copied
    (twice) to be recognised.
    """
    end = len(raw)
    while end > start and raw[end - 1] in _TRAILING:
        end -= 1
    digest = hashlib.sha256()
    view, carry = memoryview(raw), b""
    for offset in range(start, end, _HASH_CHUNK):
        chunk = carry + bytes(view[offset : min(offset + _HASH_CHUNK, end)])
        carry = b"\r" if chunk.endswith(b"\r") and offset + _HASH_CHUNK < end else b""
        digest.update(chunk[: len(chunk) - len(carry)].replace(b"\r\n", b"\n"))
    digest.update(carry)
    return digest.digest()


def _raw_headers(message: EmailMessage) -> dict[str, list[str]]:
    """Header values as text, unparsed, by lower-case name (8-bit bytes decoded)."""
    found: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        if not isinstance(value, str):
            value = str(value)
        found.setdefault(name.strip().lower(), []).append(charsets.header_text(value))
    return found


def _address_headers(
    raw: dict[str, list[str]],
) -> tuple[dict[str, object], list[str], list[str]]:
    headers: dict[str, object] = {}
    senders: list[str] = []
    recipients: list[str] = []
    for name in (*ADDRESS_HEADERS, "reply-to"):
        shown: list[str] = []
        for value in raw.get(name, []):
            addresses, display = parse_address_header(value)
            shown.extend(redact_text(d)[0] for d in display)
            if name == "from":
                senders.extend(addresses)
            elif name in ADDRESS_HEADERS:
                recipients.extend(addresses)
        if shown:
            headers[name.replace("-", "_")] = shown
    return headers, senders, recipients


def _unstructured(value: str) -> str:
    value = unfold(value)[:MAX_HEADER]
    if "=?" not in value:
        return charsets.clean(value.strip())
    try:
        return charsets.clean(str(email_policy.default.header_factory("Subject", value)))
    except Exception:  # hostile encoded words
        return charsets.clean(value)


def _message_id(value: str) -> str | None:
    value = charsets.clean(unfold(value)).strip()
    if not value:
        return None
    match = _MESSAGE_ID.search(value)
    return match.group(1) if match else value[:900]


def _plausible(value: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if not EARLIEST <= value <= now + dt.timedelta(days=1):
        return None
    return value


def _date(value: str, now: dt.datetime) -> dt.datetime | None:
    value = unfold(value).strip()
    if not value:
        return None
    try:
        return _plausible(parsedate_to_datetime(value), now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _received(values: list[str], now: dt.datetime) -> dt.datetime | None:
    """The date our own server stamped on delivery: the topmost Received header's."""
    for value in values[:1]:
        _, _, stamp = unfold(value).rpartition(";")
        return _date(stamp, now)
    return None


def _all_defects(message: EmailMessage) -> list[object]:
    found = list(getattr(message, "defects", []))
    if message.is_multipart():
        payload = message.get_payload()
        if isinstance(payload, list):
            for part in payload:
                if isinstance(part, EmailMessage):
                    found.extend(_all_defects(part))
    return found


class _Walk:
    """The first plain and HTML text parts are the body; every other leaf is an attachment."""

    def __init__(self, notes: list[str]):
        self.notes = notes
        self.text: str | None = None
        self.html: str | None = None
        self.attachments: list[Part] = []

    def visit(self, part: EmailMessage, depth: int = 0) -> None:
        if depth > 50:
            self.notes.append("MIME nesting deeper than 50 levels: the rest not read")
            return
        content_type = _content_type(part)
        payload = part.get_payload()
        if content_type == "message/rfc822" or (
            isinstance(payload, list) and content_type.startswith("message/")
        ):
            self._forwarded(part, payload)
            return
        if isinstance(payload, list):
            for child in payload:
                if isinstance(child, EmailMessage):
                    self.visit(child, depth + 1)
            return
        if content_type.startswith("multipart/"):
            self.notes.append("multipart part without its boundary: kept as text")
            content_type = "text/plain"
        data = _payload(part)
        filename = _filename(part)
        is_attachment = filename is not None or _disposition(part) == "attachment"
        if content_type == "text/plain" and not is_attachment and self.text is None:
            self.text = self._decoded(part, data)
        elif content_type == "text/html" and not is_attachment and self.html is None:
            self.html = self._decoded(part, data)
        else:
            self._attach(filename, content_type, data)

    def _decoded(self, part: EmailMessage, data: bytes) -> str:
        text, note = charsets.decode(data, _charset(part))
        if note:
            self.notes.append(note)
        return text

    def _forwarded(self, part: EmailMessage, payload: object) -> None:
        inner = payload[0] if isinstance(payload, list) and payload else None
        try:
            data = inner.as_bytes() if isinstance(inner, EmailMessage) else _payload(part)
        except Exception:  # regenerating a broken message can fail
            data = charsets.clean(str(inner)).encode("utf-8")
            self.notes.append("forwarded message could not be regenerated exactly")
        self._attach(_filename(part) or "forwarded.eml", "message/rfc822", data)

    def _attach(self, filename: str | None, content_type: str, data: bytes) -> None:
        redacted, cards = redact_bytes(data)
        name = filename or f"part-{len(self.attachments) + 1}"
        self.attachments.append(Part(name, content_type, redacted, cards))


def _content_type(part: EmailMessage) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _charset(part: EmailMessage) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    return charset if isinstance(charset, str) else None


def _disposition(part: EmailMessage) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return "attachment"
    if name is None:
        return None
    if "=?" in name:
        # Encoded words in a charset no codec has stay as they are.
        with contextlib.suppress(Exception):
            name = str(make_header(decode_header(name)))
    name = redact_text(charsets.clean(str(name)))[0]
    return "".join(c if c.isprintable() else "_" for c in name)[:255] or "attachment"


def _payload(part: EmailMessage) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # undecodable transfer encodings
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        try:
            return raw.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return charsets.clean(raw).encode("utf-8")
    return b""
