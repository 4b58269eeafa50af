"""Backups (AL13): archives that hold no key, and restores that bring no erased person back.

Each test makes real archives of the test database and restores them into it through the
services ``pledge backup`` calls; only the connection is the test suite's (SQLite in memory, or
the PostgreSQL test database). Restores replace committed data, so these tests commit.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pledge import cli
from pledge.audit.models import AuditEvent
from pledge.audit.triggers import append_only_disable, append_only_enable
from pledge.datamap.erasure import subject_erase
from pledge.vault import keyring, master
from pledge.vault.backup import archive, bundle, snapshot
from pledge.vault.backup.services import BACKUP_KEY, backup_create
from pledge.vault.blind_index import email_index
from pledge.vault.fields import ERASED
from pledge.vault.models import DataKey, MasterState, ShredEntry, Subject, SubjectKind
from pledge.vault.routers import KEYS
from pledge.vault.services import period_shred, subject_for_email
from tests.vaultcases.models import Dossier, PeriodNote

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVED = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)
LETTER = "Please send 2 kg of koshihikari to 1-2-3 Ginza."
BROWSING = "user.behavior.browsing"


@dataclass(frozen=True)
class Site:
    data: Path
    backups: Path

    @property
    def partitions(self) -> Path:
        return self.data / "partitions"

    def partition(self, category: str, period: str) -> Path:
        return self.partitions / f"category={category}" / f"period={period}"


@pytest.fixture
def site(settings, tmp_path) -> Iterator[Site]:
    """A data directory and a key directory of this test's own, and a fresh master key."""
    settings.DATA_DIR = tmp_path / "data"
    settings.KEY_DIR = tmp_path / "keys"
    settings.DATA_DIR.mkdir()
    master._cached = None
    for model in (DataKey, MasterState, ShredEntry):
        model.objects.using(KEYS).all().delete()
    yield Site(settings.DATA_DIR, settings.DATA_DIR / "backups")
    master._cached = None
    # The test database is emptied after each test; SQLite empties a table with DELETE, which
    # the audit trail's append-only triggers refuse, so the trail is cleared with them lifted.
    append_only_disable(connection)
    AuditEvent.objects.all().delete()
    append_only_enable(connection)


def _correspondent(email: str, body: str = LETTER) -> Subject:
    subject = subject_for_email(email=email, kind=SubjectKind.CORRESPONDENT)
    Dossier.objects.create(
        subject=subject, received_at=RECEIVED, body=body, headers={"from": email}
    )
    return subject


def _backup(site: Site) -> Path:
    return backup_create(output_dir=site.backups).path


def _verify(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", "verify", str(path), stdout=out)
    return out.getvalue()


def _restore(path: Path) -> None:
    call_command("backup", "restore", str(path), "--noinput", stdout=io.StringIO())


def _chunks(data: bytes) -> list[tuple[int, int]]:
    """Where each sealed chunk starts and ends, read from the documented layout."""
    (length,) = struct.unpack(">I", data[8:12])
    position, found = 12 + length, []
    while position < len(data):
        _, size = struct.unpack(">BI", data[position : position + 5])
        found.append((position, position + 5 + size))
        position += 5 + size
    return found


def _tampered(path: Path, data: bytes, name: str) -> Path:
    copy = path.with_name(name)
    copy.write_bytes(data)
    return copy


def _state() -> dict[str, object]:
    """What a person could be found by, and what can be read, in the data database now."""
    return {
        "subjects": sorted(
            (str(s.pk), s.email_index, s.erased_at is not None) for s in Subject.objects.all()
        ),
        "dossiers": sorted(
            (str(d.pk), d.body.reveal(purpose="service")) for d in Dossier.objects.all()
        ),
    }


# --- what an archive holds ---------------------------------------------------------------------


@pytest.mark.clause("AL13")
def test_an_archive_is_encrypted_and_holds_no_key_even_one_misplaced_in_the_data_directory(
    site, settings
):
    # given personal data, a partition file, and the key directory misplaced inside the data
    settings.KEY_DIR = site.partitions / "keys"
    master._cached = None
    _correspondent("kaori@example.jp")
    site.partition(BROWSING, "2026").mkdir(parents=True)
    (site.partition(BROWSING, "2026") / "part-0.parquet").write_bytes(b"PAR1 raw log lines")
    # when a backup is made
    created = backup_create(output_dir=site.backups)
    # then no key, wrapped or not, nor the master key, is anywhere in the file or inside it
    keys = [master.unwrap(row) for row in DataKey.objects.using(KEYS).all()]
    secrets = [
        *keys,
        *(bytes(row.wrapped) for row in DataKey.objects.using(KEYS).all()),
        master.current().key,
    ]
    assert keyring.get(BACKUP_KEY) in keys and len(keys) >= 3  # blind index, letters, backup
    contents = site.data / "opened"
    raw = created.path.read_bytes()
    with created.path.open("rb") as source:
        header, prefix = archive.read_header(source)
        opener = archive.Opener(source, key=keyring.get(BACKUP_KEY), header=header, prefix=prefix)
        bundle.unpack(opener, into=contents, database_name=snapshot.member(connection.vendor))
        opener.drain()
    inside = {
        p.relative_to(contents).as_posix(): p.read_bytes()
        for p in contents.rglob("*")
        if p.is_file()
    }
    assert sorted(inside) == sorted(
        [snapshot.member(connection.vendor), "partitions/category=user.behavior.browsing/"
         "period=2026/part-0.parquet"]
    )  # fmt: skip
    assert created.packed.left_out == 1, "the misplaced master key file was left out"
    for secret in secrets:
        for form in (secret, secret.hex().encode()):
            assert form not in raw
            assert not any(form in data for data in inside.values())
    # and nothing personal is readable in the file itself
    assert b"koshihikari" not in raw and b"raw log lines" not in raw
    assert raw.startswith(b"PLEDGEBK")
    assert created.path.stat().st_mode & 0o777 == 0o600
    assert created.path.name == f"pledge-backup-{header.created_at:%Y%m%dT%H%M%SZ}.pledgebak"


# --- the proof: a restore brings no erased person back ------------------------------------------


@pytest.mark.clause("AL13")
def test_restoring_a_backup_made_before_an_erasure_brings_no_one_back(site):
    # given a correspondent with an address and letters, and a backup made while on file
    subject = _correspondent("kaori@example.jp")
    _correspondent("kaori@example.jp", body="Another letter")
    archive_path = _backup(site)
    # when they are erased, and then the old backup is restored
    subject_erase(subject_id=subject.pk, reason="request R-1")
    _restore(archive_path)
    # then none of their fields can be read: the rows are gone and no key is left to open them
    for dossier in Dossier.objects.filter(subject=subject.pk):
        assert dossier.body.reveal(purpose="service") is ERASED
    assert not Dossier.objects.filter(subject=subject.pk).exists()
    assert keyring.subject_refs(subject.pk) == []
    # and their address finds no one
    assert not Subject.objects.filter(email_index=email_index("kaori@example.jp")).exists()
    # and the restored site reports them as erased
    restored = Subject.objects.get(pk=subject.pk)
    assert restored.email_index is None and restored.erased_at is not None


@pytest.mark.clause("AL13")
def test_someone_added_after_the_backup_is_gone_and_everyone_else_is_intact(site):
    # given one correspondent backed up, another who wrote after the backup
    kept = _correspondent("kaori@example.jp")
    archive_path = _backup(site)
    later = _correspondent("hiro@example.jp", body="A later letter")
    # when the backup is restored
    _restore(archive_path)
    # then the later one is absent and the first reads as before
    assert not Subject.objects.filter(pk=later.pk).exists()
    assert not Dossier.objects.filter(subject=later.pk).exists()
    (dossier,) = Dossier.objects.filter(subject=kept.pk)
    assert dossier.body.reveal(purpose="service") == LETTER
    assert dossier.headers.reveal(purpose="service") == {"from": "kaori@example.jp"}
    assert Subject.objects.get(email_index=email_index("kaori@example.jp")).pk == kept.pk


@pytest.mark.clause("AL13")
def test_an_erasure_of_one_category_is_replayed_and_the_person_stays_findable(site):
    # given a correspondent backed up, whose letters (only) were erased afterwards
    subject = _correspondent("kaori@example.jp")
    archive_path = _backup(site)
    subject_erase(subject_id=subject.pk, reason="request R-2", categories=["user.correspondence"])
    # when the backup is restored
    _restore(archive_path)
    # then the letters are gone again, and the person is still on file as before
    assert not Dossier.objects.filter(subject=subject.pk).exists()
    restored = Subject.objects.get(pk=subject.pk)
    assert restored.email_index == email_index("kaori@example.jp")
    assert restored.erased_at is None


@pytest.mark.clause("AL13")
def test_a_period_deleted_after_the_backup_loses_its_rows_and_partitions_again(site):
    # given log notes and partitions of two years, backed up
    for year in (2025, 2026):
        PeriodNote.objects.create(
            written_at=dt.datetime(year, 6, 1, tzinfo=dt.UTC), text=f"GET /{year}"
        )
        site.partition(BROWSING, str(year)).mkdir(parents=True)
        (site.partition(BROWSING, str(year)) / "part-0.parquet").write_bytes(b"PAR1")
    archive_path = _backup(site)
    # when 2025 reaches its end (its key is destroyed) and the backup is restored
    period_shred(category=BROWSING, period="2025", reason="retention: 48h")
    _restore(archive_path)
    # then 2025 is gone from the database and from the partitions; 2026 is whole
    (note,) = PeriodNote.objects.all()
    assert note.text.reveal(purpose="statistics") == "GET /2026"
    assert not site.partition(BROWSING, "2025").exists()
    assert (site.partition(BROWSING, "2026") / "part-0.parquet").read_bytes() == b"PAR1"


@pytest.mark.clause("AL13")
def test_an_erasure_half_done_when_the_backup_was_taken_is_finished_by_the_restore(site):
    # given an erasure whose key shred (and journal entry) had committed, but whose records
    # had not yet been deleted, when the backup was taken
    subject = _correspondent("kaori@example.jp")
    keyring.shred(keyring.subject_refs(subject.pk), reason="erasure: request R-3")
    archive_path = _backup(site)
    # when that backup is restored
    _restore(archive_path)
    # then the erasure is finished: the records the snapshot still held are gone
    assert not Dossier.objects.filter(subject=subject.pk).exists()


def test_a_restore_is_audited_and_restoring_again_changes_nothing_more(site):
    # given a backup, then a full erasure and a category erasure of two people
    first = _correspondent("kaori@example.jp")
    second = _correspondent("hiro@example.jp")
    _correspondent("yuki@example.jp")
    archive_path = _backup(site)
    subject_erase(subject_id=first.pk, reason="request R-1")
    subject_erase(subject_id=second.pk, reason="request R-2", categories=["user.correspondence"])
    # when the backup is restored
    _restore(archive_path)
    # then the restore is one audit event, counting the erasures it replayed
    event = AuditEvent.objects.get(action="backup.restored")
    assert event.count == 2
    assert event.detail["full_erasures"] == 1 and event.detail["category_erasures"] == 1
    assert event.detail["archive"] == archive_path.name
    # and restoring the same archive again ends in exactly the same state
    after_once = _state()
    _restore(archive_path)
    assert _state() == after_once
    assert len(after_once["dossiers"]) == 1


# --- verification, and what a damaged archive does ----------------------------------------------


def test_verify_says_what_an_intact_archive_holds(site):
    _correspondent("kaori@example.jp")
    site.partition(BROWSING, "2026").mkdir(parents=True)
    (site.partition(BROWSING, "2026") / "part-0.parquet").write_bytes(b"PAR1")
    report = _verify(_backup(site))
    assert ": intact, 1 chunk authenticated" in report
    assert "policy     japan-centre" in report
    check = "integrity_check ok" if connection.vendor == "sqlite" else "pg_restore --list"
    assert f"database   {connection.vendor}, " in report and check in report
    assert "partitions 1 partition file (4 bytes)" in report


@pytest.fixture
def chunked(site) -> Path:
    """An archive of three chunks: a partition of incompressible bytes fills two and a half."""
    _correspondent("kaori@example.jp")
    site.partition(BROWSING, "2026").mkdir(parents=True)
    (site.partition(BROWSING, "2026") / "part-0.parquet").write_bytes(os.urandom(5 * 2**19))
    path = _backup(site)
    assert len(_chunks(path.read_bytes())) == 3
    return path


@pytest.mark.clause("AL13")
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("a byte of the clear header", "chunk 0 does not authenticate"),
        ("a byte inside a chunk", "chunk 1 does not authenticate"),
        ("the last byte", "chunk 2 does not authenticate"),
        ("the last chunk cut off", "truncated: the file ends before chunk 2"),
        ("the last chunk cut off, the one before marked last", "chunk 1 does not authenticate"),
        ("a chunk cut short", "truncated: the file ends inside chunk 2"),
        ("two chunks swapped", "chunk 0 does not authenticate"),
        ("bytes after the end", "the file goes on after its last chunk"),
    ],
)
def test_verify_finds_any_damage_and_says_what(chunked, damage, message):
    data = bytearray(chunked.read_bytes())
    (start0, end0), (start1, end1), (start2, _) = _chunks(bytes(data))
    match damage:
        case "a byte of the clear header":
            data[data.index(b'"policy":"') + 10] ^= 0x01  # japan-centre -> kapan-centre
        case "a byte inside a chunk":
            data[(start1 + end1) // 2] ^= 0x01
        case "the last byte":
            data[-1] ^= 0x01
        case "the last chunk cut off":
            del data[start2:]
        case "the last chunk cut off, the one before marked last":
            del data[start2:]
            data[start1] = 1
        case "a chunk cut short":
            del data[-100:]
        case "two chunks swapped":
            data[start0:end1] = data[start1:end1] + data[start0:end0]
        case "bytes after the end":
            data += b"\x00"
    damaged = _tampered(chunked, bytes(data), "damaged.pledgebak")
    with pytest.raises(CommandError, match=message):
        _verify(damaged)


def test_an_archive_under_another_backup_key_is_refused(site):
    path = _backup(site)
    keyring.shred([BACKUP_KEY], reason="test: the key database was replaced")
    with pytest.raises(CommandError, match="holds no backup key"):
        _verify(path)
    keyring.get_or_create(BACKUP_KEY)
    with pytest.raises(CommandError, match="sealed under another backup key"):
        _verify(path)


@pytest.mark.clause("AL13")
def test_restoring_a_damaged_archive_changes_nothing(site):
    # given a backup, then a person added and another erased since
    erased = _correspondent("kaori@example.jp")
    path = _backup(site)
    _correspondent("hiro@example.jp", body="A later letter")
    subject_erase(subject_id=erased.pk, reason="request R-1")
    before = _state()
    # when a damaged copy of the backup is restored
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = _tampered(path, bytes(data), "damaged.pledgebak")
    with pytest.raises(CommandError, match=r"does not authenticate.*; nothing was changed$"):
        _restore(damaged)
    # then nothing changed, and no restore was recorded
    assert _state() == before
    assert not AuditEvent.objects.filter(action="backup.restored").exists()


def test_the_pledge_command_exits_1_with_the_reason_on_a_damaged_archive(site, capsys):
    path = _backup(site)
    damaged = _tampered(path, path.read_bytes()[:-1], "cut.pledgebak")
    assert cli.main(["backup", "verify", str(damaged)]) == 1
    assert "cut.pledgebak: truncated: the file ends inside chunk 0" in capsys.readouterr().err
