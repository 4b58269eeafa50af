"""Walking the data directory and its backup archives for key material.

Archives (``*.pledgebak``, recognised by their header) are opened with the server's backup
key and read as the tar stream they seal, member by member, in memory; a SQLite member is
copied to a private scratch directory inside the data directory (as private as the data
itself) only to look inside its tables, and removed at once.
"""

from __future__ import annotations

import itertools
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pledge.conformance.scan.keys import SQLITE_MAGIC, KeyMaterial, chunks_of, is_sqlite, key_tables
from pledge.vault import keyring
from pledge.vault.backup import archive
from pledge.vault.backup.services import BACKUP_KEY

BACKUPS = "backups"


@dataclass
class KeyScan:
    data_dir: Path
    material: KeyMaterial
    files: int = 0
    archives: int = 0
    members: int = 0
    findings: list[tuple[str, str]] = field(default_factory=list)  # (where, what)
    gaps: list[str] = field(default_factory=list)

    def run(self) -> None:
        for path in self._files():
            self.files += 1
            self._file(path)
            if path.is_relative_to(self.data_dir / BACKUPS) and self._is_archive(path):
                self._archive(path)

    def _files(self) -> Iterator[Path]:
        if not self.data_dir.is_dir():
            return
        for path in sorted(self.data_dir.rglob("*")):
            if path.is_file() and not path.is_symlink() and ".conform-scan-" not in str(path):
                yield path

    def _shown(self, path: Path) -> str:
        return str(path.relative_to(self.data_dir))

    def _file(self, path: Path) -> None:
        try:
            with path.open("rb") as handle:
                found = self.material.find(chunks_of(handle))
        except OSError as exc:
            self.gaps.append(f"{self._shown(path)}: not read ({exc.strerror})")
            return
        self.findings += [(self._shown(path), what) for what in found]
        if is_sqlite(path):
            self.findings += [
                (self._shown(path), f"a copy of the key database (table {t} has rows)")
                for t in key_tables(path)
            ]

    @staticmethod
    def _is_archive(path: Path) -> bool:
        with path.open("rb") as handle:
            return handle.read(len(archive.MAGIC)) == archive.MAGIC

    def _archive(self, path: Path) -> None:
        shown = self._shown(path)
        key = keyring.get(BACKUP_KEY)
        if key is None:
            self.gaps.append(f"{shown}: not opened (this key database holds no backup key)")
            return
        try:
            with path.open("rb") as source:
                header, prefix = archive.read_header(source)
                opener = archive.Opener(source, key=key, header=header, prefix=prefix)
                with tarfile.open(fileobj=opener, mode="r|gz") as tar:  # type: ignore[call-overload]
                    for member in tar:
                        if member.isfile():
                            self.members += 1
                            self._member(shown, member, tar)
                opener.drain()
        except (archive.ArchiveBroken, tarfile.TarError, EOFError, OSError) as exc:
            self.gaps.append(f"{shown}: not fully read ({exc})")
            return
        self.archives += 1

    def _member(self, shown: str, member: tarfile.TarInfo, tar: tarfile.TarFile) -> None:
        where = f"{shown} → {member.name}"
        handle = tar.extractfile(member)
        if handle is None:
            return
        first = handle.read(len(SQLITE_MAGIC))
        if first != SQLITE_MAGIC:
            chunks = itertools.chain([first], chunks_of(handle))
            self.findings += [(where, what) for what in self.material.find(chunks)]
            return
        with tempfile.TemporaryDirectory(dir=self.data_dir, prefix=".conform-scan-") as scratch:
            copy = Path(scratch) / "member.sqlite3"
            with copy.open("wb") as out:
                out.write(first)
                for chunk in chunks_of(handle):
                    out.write(chunk)
            with copy.open("rb") as again:
                self.findings += [(where, what) for what in self.material.find(chunks_of(again))]
            self.findings += [
                (where, f"a copy of the key database (table {t} has rows)")
                for t in key_tables(copy)
            ]
