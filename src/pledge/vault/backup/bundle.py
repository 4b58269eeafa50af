"""What an archive holds, as one gzip-compressed tar stream: the database snapshot, then the
data partitions directory. Nothing else is ever added, and nothing else is accepted back.

Files under ``PLEDGE_KEY_DIR`` and the key database are left out even when someone has put
them inside the partitions directory: an archive never holds a key, whatever the layout.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pledge.vault.backup.archive import ArchiveBroken

PARTITIONS = "partitions"
COMPRESS_LEVEL = 6


@dataclass(frozen=True, slots=True)
class Packed:
    partition_files: int
    partition_bytes: int
    left_out: int  # key material found under the partitions directory and not archived


@dataclass(frozen=True, slots=True)
class Unpacked:
    database: Path
    partitions: Path | None
    partition_files: int
    partition_bytes: int


def pack(
    out: Any,
    *,
    database: Path,
    database_name: str,
    partitions: Path,
    is_key_material: Callable[[Path], bool],
) -> Packed:
    files = size = left_out = 0
    with tarfile.open(fileobj=out, mode="w|gz", compresslevel=COMPRESS_LEVEL) as tar:
        tar.add(database, arcname=database_name)
        if partitions.is_dir():
            tar.add(partitions, arcname=PARTITIONS, recursive=False)
            for path in sorted(partitions.rglob("*")):
                if is_key_material(path):
                    left_out += path.is_file()
                    continue
                if path.is_symlink() or not (path.is_file() or path.is_dir()):
                    continue  # partitions are plain files; a link could point anywhere
                arcname = f"{PARTITIONS}/{path.relative_to(partitions).as_posix()}"
                tar.add(path, arcname=arcname, recursive=False)
                if path.is_file():
                    files, size = files + 1, size + path.stat().st_size
    return Packed(files, size, left_out)


def unpack(source: Any, *, into: Path, database_name: str) -> Unpacked:
    """Extract an archive's contents under ``into``, refusing anything it should not hold."""
    files = size = 0
    seen_database = False
    try:
        with tarfile.open(fileobj=source, mode="r|gz") as tar:
            for entry in tar:
                if entry.name == database_name and entry.isfile() and not seen_database:
                    seen_database = True
                elif entry.name == PARTITIONS or entry.name.startswith(f"{PARTITIONS}/"):
                    if entry.isfile():
                        files, size = files + 1, size + entry.size
                else:
                    raise ArchiveBroken(f"the archive holds something unexpected: {entry.name!r}")
                tar.extract(entry, into, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveBroken(f"the contents do not unpack ({exc})") from None
    if not seen_database:
        raise ArchiveBroken(f"the archive holds no {database_name}")
    partitions = into / PARTITIONS
    return Unpacked(into / database_name, partitions if partitions.is_dir() else None, files, size)
