"""The master key: one file outside the data directory, replaced every erasure window.

Files are named by key id (``<key dir>/master/<id>.key``, mode 0600). The key database records
which id is current and a check value, so a wrong or missing key is refused before anything is
written. Rotation writes the new file first, rewraps every data key and switches the current id
in one key-database transaction, and only then destroys the old file: a crash at any point
leaves either the old key with old wrappings or the new key with new wrappings.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from pledge.vault import crypto
from pledge.vault.models import DataKey, MasterState
from pledge.vault.routers import KEYS

CHECK_LABEL = b"pledge master key check v1"


class MasterKeyError(RuntimeError):
    """The master key is missing or is not the one the key database was written with."""


@dataclass(frozen=True, slots=True)
class MasterKey:
    id: str
    key: bytes

    @property
    def check(self) -> str:
        return crypto.mac(self.key, CHECK_LABEL)


def _directory() -> Path:
    return Path(settings.KEY_DIR) / "master"


def _path(key_id: str) -> Path:
    return _directory() / f"{key_id}.key"


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(master: MasterKey) -> None:
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(_path(master.id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(master.key)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_directory(directory)


def _read(key_id: str) -> MasterKey | None:
    try:
        key = _path(key_id).read_bytes()
    except FileNotFoundError:
        return None
    return MasterKey(key_id, key)


def _destroy(key_id: str) -> None:
    """Overwrite, then remove: on file systems that write in place the bytes are gone too."""
    path = _path(key_id)
    try:
        with path.open("r+b") as handle:
            handle.write(os.urandom(max(path.stat().st_size, crypto.KEY_BYTES)))
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_directory(_directory())


def _generate() -> MasterKey:
    return MasterKey(secrets.token_hex(8), crypto.new_key())


_cached: MasterKey | None = None


def current(*, refresh: bool = False) -> MasterKey:
    """The master key the key database is written with; created on the very first use."""
    global _cached
    if _cached is not None and not refresh:
        return _cached
    # Under the key database's write lock, so no rotation is half-way while strays are removed.
    with transaction.atomic(using=KEYS):
        state = MasterState.objects.using(KEYS).select_for_update().filter(pk=1).first()
        if state is None:
            master = _adopt_or_create()
            MasterState.objects.using(KEYS).create(
                pk=1, master_id=master.id, check_value=master.check, rotated_at=timezone.now()
            )
        else:
            master = _open(state)
        _remove_strays(keep=master.id)
    _cached = master
    return master


def _adopt_or_create() -> MasterKey:
    """A key database with no state yet: adopt the one key file there is, or make one."""
    existing = sorted(_directory().glob("*.key")) if _directory().exists() else []
    if len(existing) == 1 and not DataKey.objects.using(KEYS).exists():
        master = _read(existing[0].stem)
        if master is not None:
            return master
    master = _generate()
    _write(master)
    return master


def _open(state: MasterState) -> MasterKey:
    master = _read(state.master_id)
    if master is None:
        raise MasterKeyError(
            f"the master key {state.master_id} is missing from {_directory()}. "
            "Restore it from your key backup (the file "
            f"{state.master_id}.key, mode 0600) and start again; without it no personal data "
            "can be read. Set PLEDGE_KEY_DIR if the keys live elsewhere."
        )
    if len(master.key) != crypto.KEY_BYTES or master.check != state.check_value:
        raise MasterKeyError(
            f"{_path(state.master_id)} is not the master key this key database was written "
            "with; nothing has been changed. Restore the right file from your key backup."
        )
    return master


def _remove_strays(*, keep: str) -> None:
    """Files left by an interrupted rotation: either the unused new key or the replaced one."""
    if not _directory().exists():
        return
    for path in _directory().glob("*.key"):
        if path.stem != keep:
            _destroy(path.stem)


@contextlib.contextmanager
def durable_atomic() -> Iterator[None]:
    """A key-database transaction whose COMMIT returns only once the commit is on disk.

    Used where something irreversible follows the commit: a rotation destroys the old key
    file, and a shred is then recorded as done. pledge runs SQLite in WAL mode with
    synchronous=NORMAL, where a commit survives a crash of the process but may roll back after
    a power cut or a kernel crash; had a rotation's commit rolled back after the old file was
    destroyed, the key database would name a key that no longer exists, and no personal data
    could be read again. FULL syncs the write-ahead log at each commit (SQLite does not let a
    transaction change it for itself, so inside a caller's transaction the caller's commit
    decides). A PostgreSQL server run with ``synchronous_commit = off`` likewise acknowledges
    commits it can still lose; this transaction asks for the flush whatever the server says.
    """
    connection = connections[KEYS]
    before = None
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            (before,) = cursor.fetchone()
            cursor.execute("PRAGMA synchronous=FULL")
    try:
        with transaction.atomic(using=KEYS):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO on")
            yield
    finally:
        if before is not None:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={int(before)}")


def rotate(*, batch_size: int = 2000) -> tuple[str, str, int]:
    """Rewrap every data key under a new master key; return (old id, new id, keys rewrapped).

    Data is not re-encrypted: only the small wrapped keys change.
    """
    global _cached
    current(refresh=True)  # refuses a missing or wrong key before anything is written
    new = _generate()
    count = 0
    try:
        with durable_atomic():
            state = MasterState.objects.using(KEYS).select_for_update().get(pk=1)
            old = _open(state)
            _write(new)
            keys = DataKey.objects.using(KEYS).order_by("pk")
            last = 0
            while batch := list(keys.filter(pk__gt=last)[:batch_size]):
                for data_key in batch:
                    plain = unwrap(data_key, master=old)
                    data_key.wrapped = wrap(data_key.handle, plain, master=new)
                    data_key.master_id = new.id
                DataKey.objects.using(KEYS).bulk_update(batch, ["wrapped", "master_id"])
                count += len(batch)
                last = batch[-1].pk
            state.master_id, state.check_value, state.rotated_at = new.id, new.check, timezone.now()
            state.save(using=KEYS)
    except BaseException:
        # Which file to destroy is for the key database to say, not for the exception: an
        # interrupt (Ctrl-C) or a lost connection can arrive after COMMIT succeeded, and then
        # the new file is the only key that opens anything. Destroying it here, as this code
        # once did, lost every piece of personal data. current() reads the state under the
        # write lock and removes whichever file the state does not name; if the database
        # cannot be asked now, both files stay and the next current() sorts them out.
        with contextlib.suppress(Exception):
            current(refresh=True)
        raise
    _cached = new
    _destroy(old.id)
    return old.id, new.id, count


def _associated(handle: str, master_id: str) -> bytes:
    return f"pledge data key|{handle}|{master_id}".encode()


def wrap(handle: str, key: bytes, *, master: MasterKey | None = None) -> bytes:
    master = master or current()
    return crypto.seal(master.key, key, _associated(handle, master.id))


def unwrap(data_key: DataKey, *, master: MasterKey | None = None) -> bytes:
    master = master or current()
    if data_key.master_id != master.id:
        master = current(refresh=True)  # another process rotated since this one loaded it
    try:
        return crypto.unseal(
            master.key, bytes(data_key.wrapped), _associated(data_key.handle, master.id)
        )
    except crypto.SealBroken:
        raise MasterKeyError(
            f"the data key {data_key.handle} does not open under master key {master.id}"
        ) from None


def last_rotation() -> MasterState | None:
    return MasterState.objects.using(KEYS).filter(pk=1).first()
