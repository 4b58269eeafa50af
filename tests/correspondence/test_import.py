"""Mail import: every kind of mailbox, linked to each correspondent, encrypted, taken in once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pledge.correspondence.models import Attachment, Direction, Fingerprint, Message, Source
from pledge.correspondence.selectors import attachment_content
from pledge.correspondence.services import mailbox_import
from pledge.datamap.erasure import subject_erase
from pledge.vault import keyring
from tests.correspondence.conftest import (
    RECEIVED,
    copies_of,
    email,
    import_messages,
    subject_of,
    write_eml_folder,
    write_maildir,
    write_mbox,
)

pytestmark = pytest.mark.django_db

KAORI = "Kaori Sato <kaori@example.jp>"
HIRO = "Hiro Tanaka <hiro@example.com>"
LATER = RECEIVED + dt.timedelta(days=6 * 366)  # past the five years, in 2026


def _two() -> list[bytes]:
    return [
        email(received=RECEIVED),
        email(
            received=RECEIVED,
            message_id="<order-2@example.jp>",
            cc=HIRO,
            subject="Re: toner",
            body="Hiro will pay by bank transfer.",
            attachments=[("quote.txt", "text/plain", b"2 x toner, EMS to Osaka")],
        ),
    ]


@pytest.mark.clause("JC6")
@pytest.mark.parametrize(
    ("writer", "name", "source"),
    [(write_maildir, "Maildir", Source.MAILDIR), (write_mbox, "mbox", Source.MBOX),
     (write_eml_folder, "eml", Source.EML)],
)  # fmt: skip
def test_a_maildir_an_mbox_and_a_folder_of_eml_files_import_alike(
    alps, tmp_path, writer, name, source
):
    # given a mailbox of two messages, one copied to Hiro
    box = writer(tmp_path / name, _two())
    # when it is imported
    report = mailbox_import(path=box)
    # then both are stored, Kaori has both and Hiro the one he was copied on
    assert (report.read, report.stored, report.copies, report.problems) == (2, 2, 3, 0)
    kaori, hiro = copies_of("kaori@example.jp"), copies_of("hiro@example.com")
    assert len(kaori) == 2 and len(hiro) == 1
    assert {m.source for m in kaori + hiro} == {source}
    texts = {m.text.reveal(purpose="audit") for m in kaori}
    assert texts == {"Please send two toner cartridges to Osaka.\n",
                     "Hiro will pay by bank transfer.\n"}  # fmt: skip
    assert hiro[0].headers.reveal(purpose="audit")["cc"] == [HIRO]
    assert hiro[0].received_at == RECEIVED


@pytest.mark.clause("JC6")
def test_our_own_addresses_are_never_linked_to_anyone(alps):
    # given a message to both of the operator's addresses, in any case
    raw = email(to="INFO@alps-printer.jp", cc=f"{HIRO}, Orders <Orders@ALPS-printer.jp>")
    # when it is imported
    report, _ = import_messages([raw])
    # then it belongs to Kaori and Hiro only: no subject exists for the operator's addresses
    assert report.copies == 2
    assert subject_of("info@alps-printer.jp") is None
    assert subject_of("orders@alps-printer.jp") is None


def test_mail_we_sent_is_linked_to_its_recipients(alps):
    report, _ = import_messages([email(sender="ALPS <info@alps-printer.jp>", to=KAORI)])
    (copy,) = copies_of("kaori@example.jp")
    assert report.copies == 1 and copy.direction == Direction.SENT


@pytest.mark.clause("AL12")
def test_nothing_personal_is_stored_in_clear(alps):
    # given a message with a name, an address, a subject, a body and an attachment
    import_messages(_two())
    # when the tables are read as the database holds them
    rows = []
    with connection.cursor() as cursor:
        for table in ("correspondence_message", "correspondence_attachment",
                      "correspondence_attachmentchunk"):  # fmt: skip
            cursor.execute(f"SELECT * FROM {table}")
            rows += [bytes(v) if isinstance(v, memoryview) else v for r in cursor for v in r]
    dump = repr(rows).encode()
    # then none of it appears in clear
    for secret in (b"Kaori", b"kaori@example.jp", b"toner", b"Osaka", b"quote.txt", b"EMS"):
        assert secret not in dump, secret


@pytest.mark.clause("AL7")
@pytest.mark.clause("AL12")
def test_erasing_one_correspondent_leaves_the_others_copy_whole(alps):
    # given a message from Kaori copied to Hiro, with an attachment
    import_messages(_two())
    kaori, hiro = subject_of("kaori@example.jp"), subject_of("hiro@example.com")
    # when Kaori's correspondence is erased after the five years
    outcomes = subject_erase(subject_id=kaori.pk, reason="letter of 2026-07-01", now=LATER)
    # then her copies, attachments and key are gone, and Hiro's copy still reads in full
    assert {o.category: o.status for o in outcomes}["user.correspondence"] == "erased"
    assert not Message.objects.filter(subject=kaori).exists()
    assert not Attachment.objects.filter(subject=kaori).exists()
    assert keyring.subject_refs(kaori.pk) == []
    (copy,) = Message.objects.filter(subject=hiro)
    assert copy.text.reveal(purpose="audit") == "Hiro will pay by bank transfer.\n"
    (attachment,) = copy.attachments.all()
    assert attachment_content(attachment=attachment, purpose="audit") == b"2 x toner, EMS to Osaka"


@pytest.mark.clause("JC6")
def test_importing_again_imports_nothing_twice_whatever_the_source(alps, tmp_path):
    # given the same two messages in a Maildir and in an mbox
    messages = _two()
    maildir = write_maildir(tmp_path / "Maildir", messages)
    mbox = write_mbox(tmp_path / "mbox", messages)
    mailbox_import(path=maildir)
    # when the Maildir is imported again, and then the mbox
    again = mailbox_import(path=maildir)
    other = mailbox_import(path=mbox)
    # then nothing new is stored: the Message-ID recognises them
    assert (again.stored, again.duplicates) == (0, 2)
    assert (other.stored, other.duplicates) == (0, 2)
    assert Message.objects.count() == 3 and Fingerprint.objects.count() == 2


def test_without_a_message_id_the_content_recognises_a_message(alps):
    raw = email(message_id=None)
    first, reports = import_messages([raw])
    second, _ = import_messages([raw])
    different, _ = import_messages([email(message_id=None, body="Another question.")])
    assert (first.stored, second.duplicates, different.stored) == (1, 1, 1)
    assert "no Message-ID" in reports.notes()[0][1]


@pytest.mark.clause("AL13")
def test_erased_mail_does_not_come_back_when_an_old_mailbox_is_imported_again(alps, tmp_path):
    # given Kaori's mail imported, then erased on her written request after five years
    box = write_mbox(tmp_path / "mbox", [email(received=RECEIVED)])
    mailbox_import(path=box)
    erased = subject_erase(subject_id=subject_of("kaori@example.jp").pk, reason="letter", now=LATER)
    assert {o.category: o.status for o in erased}["user.correspondence"] == "erased"
    # when the same old mailbox is imported again
    report = mailbox_import(path=box)
    # then her mail is recognised as already taken in, and not stored again
    assert (report.stored, report.duplicates) == (0, 1)
    assert not Message.objects.exists()
    # but new mail from her is correspondence like any other
    assert mailbox_import(path=write_mbox(tmp_path / "new", [email(message_id="<n@x>")])).stored


def test_attachments_of_several_chunks_read_back_whole(alps):
    data = bytes(range(256)) * (Attachment.CHUNK // 256 * 2 + 17)  # a little over two chunks
    import_messages([email(attachments=[("scan.bin", "application/octet-stream", data)])])
    (attachment,) = Attachment.objects.all()
    assert attachment.chunks.count() == 3 and attachment.size == len(data)
    assert attachment_content(attachment=attachment, purpose="audit") == data
    meta = attachment.meta.reveal(purpose="audit")
    assert meta["filename"] == "scan.bin" and meta["content_type"] == "application/octet-stream"


def test_received_is_our_servers_stamp_else_the_sources_else_the_date(alps, tmp_path):
    # given one message our server stamped, and one in a Maildir delivered now without a stamp
    stamped = email(
        received=dt.datetime(2020, 6, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    )
    delivered = email(message_id="<2@example.jp>", sender=HIRO)
    dated = email(message_id="<3@example.jp>", sender="Mai <mai@example.jp>")
    import_messages([stamped, dated])
    mailbox_import(path=write_maildir(tmp_path / "Maildir", [delivered]))
    # then each is received when the best witness says
    assert copies_of("kaori@example.jp")[0].received_at == dt.datetime(2020, 6, 2, 1, tzinfo=dt.UTC)
    assert copies_of("hiro@example.com")[0].received_at > RECEIVED + dt.timedelta(days=365)
    assert copies_of("mai@example.jp")[0].received_at == RECEIVED


def test_the_command_reports_what_it_did(alps, tmp_path, capsys):
    call_command("mail", "import", str(write_maildir(tmp_path / "Maildir", _two())))
    out = capsys.readouterr().out
    assert "2 read: 2 stored as 3 copies, 0 already imported, 0 not imported" in out


def test_pledge_mail_is_a_real_command(monkeypatch):
    import pledge.cli

    handed: list[list[str]] = []
    monkeypatch.setattr(pledge.cli, "_django", lambda argv: handed.append(list(argv)) or 0)
    assert pledge.cli.main(["mail", "import", "Maildir"]) == 0
    assert pledge.cli.main(["mail", "fetch"]) == 0
    assert handed == [["mail", "import", "Maildir"], ["mail", "fetch"]]


def test_a_path_that_is_no_mailbox_is_refused(alps, tmp_path):
    with pytest.raises(CommandError, match="no such file or directory"):
        call_command("mail", "import", str(tmp_path / "missing"))
