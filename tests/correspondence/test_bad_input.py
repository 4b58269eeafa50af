"""Broken mail: each bad message reported with its location or kept with a note; the rest in."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from django.core.management import CommandError, call_command

from pledge.correspondence.models import Attachment, Message
from pledge.correspondence.selectors import attachment_content
from pledge.correspondence.services import mailbox_import
from tests.correspondence.conftest import (
    Reports,
    copies_of,
    email,
    import_messages,
    write_eml_folder,
    write_mbox,
)

pytestmark = pytest.mark.django_db

HEAD = b"From: Kaori <kaori@example.jp>\nTo: info@alps-printer.jp\nMessage-ID: <%s@example.jp>\n"


def _raw(message_id: bytes, rest: bytes) -> bytes:
    return HEAD % message_id + rest


MISSING_BOUNDARY = _raw(
    b"nb",
    b"Content-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nBoundary lost.\n--x--\n",
)
BAD_BASE64 = _raw(
    b"b64",
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
    b"See the file.\n--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
    b'Content-Disposition: attachment; filename="x.pdf"\n\nJVBERi0x!!!LjQK*\n--b--\n',
)
TRUNCATED = _raw(
    b"cut",
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nThe start',
)
SJIS_AS_UTF8 = _raw(
    b"sjis",
    b"Subject: =?utf-8?q?=93=FA=96=7B?=\nContent-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: 8bit\n\n" + "トナーを二つお願いします。".encode("cp932"),
)
UNKNOWN_CHARSET = _raw(
    b"unk", b"Content-Type: text/plain; charset=x-no-such-charset\n\nPlain words.\n"
)
EIGHT_BIT_HEADER = _raw(
    b"8bit", "Subject: 見積もり\n\nお見積もりをお願いします。\n".encode("euc-jp")
)
ISO_2022_JP = _raw(
    b"jis", b"Content-Type: text/plain\n\n" + "トナーの注文です。".encode("iso-2022-jp")
)


@pytest.mark.clause("JC6")
def test_malformed_mime_is_kept_with_notes_saying_what_was_wrong(alps):
    # given three messages broken in different ways
    report, reports = import_messages([MISSING_BOUNDARY, BAD_BASE64, TRUNCATED])
    # then all are stored, and each is noted with its location
    assert (report.stored, report.problems, report.noted) == (3, 0, 3)
    notes = dict(reports.notes())
    assert "multipart part without its boundary" in notes["test message 1"]
    assert "MIME defects" in notes["test message 2"]
    assert "MIME defects" in notes["test message 3"]
    texts = [m.text.reveal(purpose="audit") for m in copies_of("kaori@example.jp")]
    assert any("Boundary lost." in t for t in texts)
    assert any("See the file." in t for t in texts)
    assert any("The start" in t for t in texts)


def test_wrong_and_unknown_charsets_are_read_as_what_they_are(alps):
    report, reports = import_messages(
        [SJIS_AS_UTF8, UNKNOWN_CHARSET, EIGHT_BIT_HEADER, ISO_2022_JP]
    )
    assert report.stored == 4
    by_id = {
        m.headers.reveal(purpose="audit")["message_id"]: m for m in copies_of("kaori@example.jp")
    }
    sjis = by_id["<sjis@example.jp>"]
    assert sjis.text.reveal(purpose="audit") == "トナーを二つお願いします。"
    assert by_id["<unk@example.jp>"].text.reveal(purpose="audit") == "Plain words.\n"
    euc = by_id["<8bit@example.jp>"]
    assert euc.headers.reveal(purpose="audit")["subject"] == "見積もり"
    assert euc.text.reveal(purpose="audit") == "お見積もりをお願いします。\n"
    assert by_id["<jis@example.jp>"].text.reveal(purpose="audit") == "トナーの注文です。"
    notes = dict(reports.notes())
    assert "not valid as its declared charset 'utf-8': read as cp932" in notes["test message 1"]
    assert "unknown charset 'x-no-such-charset'" in notes["test message 2"]


@pytest.mark.clause("JC6")
def test_missing_headers(alps):
    no_address = b"Subject: a draft\nMessage-ID: <d@x>\n\nNo one to send it to.\n"
    no_from = b"To: Kaori <kaori@example.jp>\nMessage-ID: <nf@x>\n\nA note to Kaori.\n"
    no_date = email(date=None, message_id="<nd@example.jp>")
    not_mail = b"\x00\x01\x02 this is not an email at all"
    report, reports = import_messages([no_address, no_from, no_date, not_mail])
    assert (report.read, report.stored, report.problems) == (4, 2, 2)
    problems = dict(reports.problems())
    assert problems["test message 1"].startswith("no correspondent")
    assert problems["test message 4"].startswith("unreadable")
    notes = dict(reports.notes())
    assert "no From header" in notes["test message 2"]
    assert "no date found: taken as received now" in notes["test message 3"]


@pytest.mark.clause("JC6")
def test_a_reused_message_id_with_another_body_is_kept_and_reported(alps):
    first = email(body="The first message.")
    second = email(body="A different message, same Message-ID.")
    report, reports = import_messages([first, second])
    assert report.stored == 2
    assert "already imported with another body: kept too" in dict(reports.notes())["test message 2"]
    again, _ = import_messages([first, second])
    assert (again.stored, again.duplicates) == (0, 2)


def test_a_50_mb_attachment_is_imported_in_chunks_and_reads_back_exactly(alps, tmp_path):
    # given a message with a 50 MB scan attached, in a folder beside an ordinary message
    scan = os.urandom(50 * 1024 * 1024)
    big = _raw(
        b"big",
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        b"The scan.\n--b\nContent-Type: image/tiff\nContent-Transfer-Encoding: base64\n"
        b'Content-Disposition: attachment; filename="scan.tiff"\n\n'
        + base64.encodebytes(scan)
        + b"--b--\n",
    )
    folder = write_eml_folder(tmp_path / "eml", [big, email(message_id="<small@example.jp>")])
    # when it is imported
    report = mailbox_import(path=folder)
    # then it is stored in 1 MiB encrypted chunks and comes back byte for byte
    assert (report.stored, report.problems) == (2, 0)
    (attachment,) = Attachment.objects.filter(size=len(scan))
    assert attachment.chunks.count() == 50
    content = attachment_content(attachment=attachment, purpose="audit")
    assert hashlib.sha256(content).digest() == hashlib.sha256(scan).digest()


@pytest.mark.clause("JC6")
def test_a_message_over_the_size_limit_is_reported_with_its_location_and_the_rest_imported(
    alps, tmp_path, capsys
):
    # given an mbox with a 3 MB message between two small ones, and a 2 MB limit
    big = email(attachments=[("scan.bin", "application/octet-stream", os.urandom(3 * 2**20))],
                message_id="<big@example.jp>")  # fmt: skip
    messages = [email(message_id="<a@example.jp>"), big, email(message_id="<b@example.jp>")]
    box = write_mbox(tmp_path / "mbox", messages)
    # when it is imported with the command
    with pytest.raises(CommandError) as failed:
        call_command("mail", "import", str(box), "--max-mb", "2")
    # then the large one is reported by its place in the mbox, and the others are imported
    err = capsys.readouterr().err
    assert "not imported: message 2 at byte" in err and "too large (4." in err
    assert failed.value.returncode == 1
    assert "1 message not imported" in str(failed.value)
    assert Message.objects.count() == 2


def test_a_broken_file_among_eml_files_is_reported_by_name(alps, tmp_path):
    folder = write_eml_folder(tmp_path / "eml", [email(), b"\xff\xfe garbage", email(body="x")])
    reports = Reports()
    report = mailbox_import(path=folder, report=reports)
    assert (report.stored, report.problems) == (2, 1)
    assert reports.problems()[0][0] == "0002.eml"


def test_a_message_that_fails_to_store_is_reported_and_the_rest_of_its_batch_kept(
    alps, monkeypatch
):
    # given a batch in which storing one message fails for a reason no one foresaw
    from pledge.correspondence.importing import Importer

    copy = Importer.copy

    def failing(self, item, subject_id, direction):
        if item.parsed.message_id == "2@example.jp":
            raise RuntimeError("disk on fire")
        return copy(self, item, subject_id, direction)

    monkeypatch.setattr(Importer, "copy", failing)
    messages = [email(message_id=f"<{n}@example.jp>") for n in (1, 2, 3)]
    # when it is imported
    report, reports = import_messages(messages)
    # then the other two are stored and the one at fault is reported by its location
    assert (report.stored, report.copies, report.problems) == (2, 2, 1)
    assert reports.problems() == [("test message 2", "not stored (RuntimeError)")]
    assert Message.objects.count() == 2
    # and, the fault gone, importing again takes it in
    monkeypatch.setattr(Importer, "copy", copy)
    again, _ = import_messages(messages)
    assert (again.stored, again.duplicates) == (1, 2)
