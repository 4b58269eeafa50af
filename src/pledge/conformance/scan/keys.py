"""Key material, and looking for it where it must not be: the data directory and its backups.

What counts as a key: the master key, every named key (the backup key, the blind index's),
the most recent data keys, each in raw, hex and base64 form; the wrapped data keys (a copy of
the key database); the secret that signs sessions and links; any PEM private key; and any
SQLite file holding the key database's tables with rows in them. Found anywhere under the data
directory, one of these makes a copy of the data a copy of its keys too, and crypto-shredding
would no longer reach that copy.
"""

from __future__ import annotations

import base64
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from pledge.vault import master
from pledge.vault.models import DataKey
from pledge.vault.routers import KEYS

DATA_KEYS_CHECKED = 200
CHUNK = 1024 * 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
KEY_TABLES = ("vault_datakey", "vault_masterstate")
_PEM = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")


@dataclass(frozen=True, slots=True)
class Needle:
    name: str
    forms: tuple[bytes, ...]


def _forms(raw: bytes) -> tuple[bytes, ...]:
    return (
        raw,
        raw.hex().encode(),
        raw.hex().upper().encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
    )


@dataclass
class KeyMaterial:
    needles: list[Needle]
    notes: list[str]

    @classmethod
    def of_this_server(cls) -> KeyMaterial:
        notes: list[str] = []
        current = master.current()
        needles = [Needle(f"the master key {current.id}", _forms(current.key))]
        keys = DataKey.objects.using(KEYS)
        for row in keys.filter(handle__startswith="named/"):
            needles.append(Needle(f"the named key {row.handle}", _forms(master.unwrap(row))))
        data = keys.exclude(handle__startswith="named/").order_by("-pk")
        total = data.count()
        for row in data[:DATA_KEYS_CHECKED]:
            needles.append(Needle(f"the data key {row.handle}", _forms(master.unwrap(row))))
            needles.append(Needle(f"the wrapped data key {row.handle}", (bytes(row.wrapped),)))
        if total > DATA_KEYS_CHECKED:
            notes.append(
                f"data keys looked for: the newest {DATA_KEYS_CHECKED} of {total} (the master "
                "key, named keys and key-database copies are looked for in full)"
            )
        secret = str(settings.SECRET_KEY).encode()
        if len(secret) >= 16:
            needles.append(Needle("the secret key that signs sessions and links", (secret,)))
        return cls(needles, notes)

    def find(self, chunks: Iterable[bytes]) -> list[str]:
        """Names of the keys found in a stream of bytes (chunks overlap, so none is missed)."""
        longest = max((len(f) for n in self.needles for f in n.forms), default=64)
        found: dict[str, None] = {}
        tail = b""
        for chunk in chunks:
            window = tail + chunk
            for needle in self.needles:
                if needle.name not in found and any(form in window for form in needle.forms):
                    found[needle.name] = None
            if _PEM.search(window):
                found["a PEM private key"] = None
            tail = window[-(longest + 64) :]
        return list(found)


def chunks_of(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def key_tables(path: Path) -> list[str]:
    """Key-database tables with rows in a SQLite file: the sign of a copied key database."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            held = []
            for table in KEY_TABLES:
                if table in names and db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:  # noqa: S608 - fixed names
                    held.append(table)
            return held
    except sqlite3.Error:
        return []


def is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False
