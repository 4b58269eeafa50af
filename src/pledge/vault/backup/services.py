"""Backups of the data, never of the keys: create, verify and restore archives.

An archive holds the data database and the data partitions, sealed under the backup key, a
named data key in the key database wrapped by the master key like every other (so rotating the
master key rewraps it). The key database and ``PLEDGE_KEY_DIR`` are backed up separately and
are never restored from an archive: a restore brings data back, never a destroyed key, and
replays the shred journal so nobody erased since the backup comes back either.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.vault import keyring
from pledge.vault.backup import archive, bundle, snapshot
from pledge.vault.backup.archive import ArchiveBroken, Header, WrongKey
from pledge.vault.backup.replay import Replayed, journal_last, shred_journal_replay
from pledge.vault.routers import KEYS

BACKUP_KEY = keyring.KeyRef(category="vault.backup", name="archive")
SUFFIX = ".pledgebak"


class BackupRefused(Exception):
    """The operation would be wrong here (another database, another policy, a name taken)."""


class RestoreIncomplete(Exception):
    """The data is back but the erasures since the backup are not: the site must not start."""


@dataclass(frozen=True, slots=True)
class Created:
    path: Path
    header: Header
    chunks: int
    size: int
    packed: bundle.Packed


@dataclass(frozen=True, slots=True)
class Verified:
    path: Path
    header: Header
    chunks: int
    database: snapshot.Checked
    partition_files: int
    partition_bytes: int


@dataclass(frozen=True, slots=True)
class Restored:
    path: Path
    header: Header
    replayed: Replayed


def backup_create(*, output_dir: Path | None = None, actor: str = "system") -> Created:
    """Seal a snapshot of the data database and the partitions into a new dated archive."""
    connection = connections[DEFAULT_DB_ALIAS]
    output_dir = Path(output_dir or Path(settings.DATA_DIR) / "backups")
    output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = keyring.get_or_create(BACKUP_KEY)
    # Read before the snapshot: every erasure after this entry is replayed on restore.
    header = Header.new(
        created_at=timezone.now(),
        policy=settings.POLICY.id,
        vendor=connection.vendor,
        journal_last=journal_last(),
        key=key,
    )
    target = output_dir / f"pledge-backup-{header.created_at:%Y%m%dT%H%M%SZ}{SUFFIX}"
    if target.exists():
        raise BackupRefused(f"{target} already exists; try again in a second")
    partial = target.with_name(f".{target.name}.partial")
    with _workspace() as work:
        database = work / snapshot.member(connection.vendor)
        snapshot.dump(connection, database)
        try:
            with _private_file(partial) as out:
                sealer = archive.Sealer(out, key=key, header=header)
                packed = bundle.pack(
                    sealer,
                    database=database,
                    database_name=database.name,
                    partitions=_partitions(),
                    is_key_material=_is_key_material,
                )
                sealer.finish()
                out.flush()
                os.fsync(out.fileno())
            partial.rename(target)
            _fsync_directory(output_dir)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    audit_record(
        action="backup.created",
        actor=actor,
        detail={
            "archive": target.name,
            "journal_last": header.journal_last,
            "partition_files": packed.partition_files,
        },
    )
    return Created(target, header, sealer.chunks, target.stat().st_size, packed)


def backup_verify(*, path: Path) -> Verified:
    """Open every chunk and check the database snapshot inside; raise on anything wrong."""
    with _workspace() as work:
        header, unpacked, chunks = _open(path, work)
        checked = snapshot.check(header.vendor, unpacked.database)
    return Verified(
        path, header, chunks, checked, unpacked.partition_files, unpacked.partition_bytes
    )


def backup_restore(*, path: Path, actor: str = "system") -> Restored:
    """Put the archive's data back, then replay every erasure made since it was taken.

    The site must be stopped. Nothing is changed until the whole archive has authenticated
    and its snapshot checked out; the key database is never touched.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    with _workspace() as work:
        header, unpacked, _ = _open(path, work)
        _refuse_foreign(header, connection.vendor)
        snapshot.check(header.vendor, unpacked.database)
        snapshot.load(connection, unpacked.database)
        _partitions_replace(unpacked.partitions)
    try:
        replayed = _replay(header, archive_name=path.name, actor=actor)
    except Exception as exc:
        raise RestoreIncomplete(
            f"the data is restored but the erasures made since the backup are NOT replayed "
            f"({exc}): do not start the site; fix this and run the restore again"
        ) from exc
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # The replaced pages leave the write-ahead log now, not at some later checkpoint.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Restored(path, header, replayed)


def _replay(header: Header, *, archive_name: str, actor: str) -> Replayed:
    # The snapshot may predate migrations; the replay works through today's models.
    call_command("migrate", database=DEFAULT_DB_ALIAS, interactive=False, verbosity=0)
    with transaction.atomic():
        replayed = shred_journal_replay(after=header.journal_last, backup_at=header.created_at)
        audit_record(
            action="backup.restored",
            count=replayed.erasures,
            actor=actor,
            detail={
                "archive": archive_name,
                "made_at": header.created_at.isoformat(),
                "journal_last": header.journal_last,
                "full_erasures": replayed.full_erasures,
                "category_erasures": replayed.category_erasures,
                "period_erasures": replayed.period_erasures,
                "records": replayed.records,
                "partitions": replayed.partitions,
            },
        )
    return replayed


def _open(path: Path, work: Path) -> tuple[Header, bundle.Unpacked, int]:
    """Authenticate and unpack a whole archive into ``work``; nothing else is touched."""
    try:
        source = path.open("rb")
    except OSError as exc:
        raise ArchiveBroken(f"{path} cannot be read ({exc.strerror})") from None
    with source:
        header, prefix = archive.read_header(source)
        key = keyring.get(BACKUP_KEY)
        if key is None:
            raise WrongKey(
                "this key database holds no backup key, so no archive opens here: restore "
                "PLEDGE_KEY_DIR (and the key database) from your key backup first"
            )
        opener = archive.Opener(source, key=key, header=header, prefix=prefix)
        unpacked = bundle.unpack(opener, into=work, database_name=snapshot.member(header.vendor))
        opener.drain()
    return header, unpacked, opener.chunks


def _refuse_foreign(header: Header, vendor: str) -> None:
    if header.vendor != vendor:
        raise BackupRefused(
            f"the archive holds a {header.vendor} database, but this site runs on {vendor}"
        )
    if header.policy != settings.POLICY.id:
        raise BackupRefused(
            f"the archive was made under policy {header.policy!r}, but this site keeps "
            f"{settings.POLICY.id!r}"
        )


def _partitions() -> Path:
    return Path(settings.DATA_DIR) / bundle.PARTITIONS


def _partitions_replace(restored: Path | None) -> None:
    """Swap the archive's partitions in by renames on one file system, then drop the old."""
    target = _partitions()
    aside = target.with_name(f".partitions-replaced-{secrets.token_hex(4)}")
    if target.exists():
        target.rename(aside)
    try:
        if restored is not None:
            restored.rename(target)
    except BaseException:
        if aside.exists():
            aside.rename(target)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _is_key_material(path: Path) -> bool:
    """Anything under PLEDGE_KEY_DIR, and the key database's files, wherever they are."""
    resolved = path.resolve()
    key_dir = Path(settings.KEY_DIR).resolve()
    if resolved == key_dir or key_dir in resolved.parents:
        return True
    keys = connections[KEYS].settings_dict
    if keys["ENGINE"].endswith("sqlite3"):
        database = Path(str(keys["NAME"])).resolve()
        return resolved.parent == database.parent and resolved.name.startswith(database.name)
    return False


@contextmanager
def _workspace() -> Iterator[Path]:
    """Scratch space inside the data directory: snapshots are as private as the data."""
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".backup-work-") as work:
        yield Path(work)


@contextmanager
def _private_file(path: Path) -> Iterator[BinaryIO]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
