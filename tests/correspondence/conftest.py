"""Mail for the correspondence tests: built with the standard library, written to real mailboxes."""

from __future__ import annotations

import datetime as dt
import mailbox
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from pledge.policy import load

POLICIES = Path(__file__).resolve().parents[2] / "policies"
ALPS = load(POLICIES / "alps.yaml")
JAPAN_CENTRE = load(POLICIES / "japan-centre.yaml")
RECEIVED = dt.datetime(2020, 6, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def alps(alps_site):
    """The alps policy in force, URLs included (see ``alps_site``)."""
    return alps_site


def email(
    *,
    sender: str = "Kaori Sato <kaori@example.jp>",
    to: str = "ALPS <info@alps-printer.jp>",
    cc: str | None = None,
    subject: str = "Order for toner",
    body: str = "Please send two toner cartridges to Osaka.",
    message_id: str | None = "<order-1@example.jp>",
    date: dt.datetime | None = RECEIVED,
    attachments: list[tuple[str, str, bytes]] = (),
    received: dt.datetime | None = None,
) -> bytes:
    """An RFC 5322 message as a mail client would send it (and our server stamp it)."""
    message = EmailMessage()
    if received is not None:
        message["Received"] = (
            f"from mx.example.jp by mail.alps-printer.jp; {format_datetime(received)}"
        )
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    if date is not None:
        message["Date"] = format_datetime(date)
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def write_maildir(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    box.close()
    return path


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(path, create=True)
    for raw in messages:
        box.add(raw)
    box.close()
    return path


def write_eml_folder(path: Path, messages: list[bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for number, raw in enumerate(messages, 1):
        (path / f"{number:04}.eml").write_bytes(raw)
    return path


def envelopes_of(messages: list[bytes], source=None):
    """Envelopes as a source would give them, numbered for their locations."""
    from pledge.correspondence.models import Source
    from pledge.correspondence.sources import Envelope

    return [
        Envelope(raw, f"test message {n}", source or Source.EML, len(raw))
        for n, raw in enumerate(messages, 1)
    ]


class Reports(list):
    """What an import reported, as (kind, location, words)."""

    def __call__(self, kind: str, location: str, words: str) -> None:
        self.append((kind, location, words))

    def problems(self) -> list[tuple[str, str]]:
        return [(location, words) for kind, location, words in self if kind == "problem"]

    def notes(self) -> list[tuple[str, str]]:
        return [(location, words) for kind, location, words in self if kind == "note"]


def import_messages(messages: list[bytes], **kwargs):
    """Import ``messages``; returns (report, what was reported)."""
    from pledge.correspondence.services import messages_import

    reports = Reports()
    return messages_import(envelopes=envelopes_of(messages), report=reports, **kwargs), reports


def subject_of(address: str):
    from pledge.vault.blind_index import email_index
    from pledge.vault.models import Subject

    return Subject.objects.filter(email_index=email_index(address)).first()


def copies_of(address: str):
    from pledge.correspondence.models import Message

    subject = subject_of(address)
    return list(Message.objects.filter(subject=subject)) if subject else []


def reload_urls() -> None:
    import importlib

    from django.urls import clear_url_caches

    import pledge.urls
    import pledge.web.urls

    importlib.reload(pledge.web.urls)
    importlib.reload(pledge.urls)
    clear_url_caches()


@pytest.fixture
def alps_site(settings):
    """The site's URLs as ``pledge serve`` builds them under alps, then back as they were.

    The URLs depend on the policy and are built when first imported; reloading them on the
    way out means no later test finds alps URLs under another policy.
    """
    before = settings.POLICY
    settings.POLICY = ALPS
    reload_urls()
    try:
        yield ALPS
    finally:
        settings.POLICY = before
        reload_urls()
