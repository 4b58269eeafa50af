"""The archive format: a clear header, then the contents sealed in AES-256-GCM chunks.

    "PLEDGEBK" | header length (4 bytes) | header (JSON) | chunk | chunk | ... | last chunk
    chunk = last flag (1 byte) | length (4 bytes) | ciphertext and GCM tag

The header is clear so an operator can see what a file is without any key, and it holds no
secret: a random salt, and a short check value of the backup key so a wrong key is told apart
from damage. Each archive has a key of its own, derived (HKDF-SHA256) from the backup key and
that salt, so the chunk index can serve as the nonce without a nonce ever repeating under a key.
Every chunk's associated data is the SHA-256 of the header bytes, the chunk's index and its last
flag: altering the header, altering, swapping or dropping a chunk, or cutting the file short is
always found, and nothing is returned from a chunk before it has authenticated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct
from dataclasses import asdict, dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pledge.vault import crypto

MAGIC = b"PLEDGEBK"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
MAX_CHUNK_SIZE = 64 * CHUNK_SIZE
TAG_BYTES = 16
MAX_HEADER_BYTES = 64 * 1024
_LENGTH = struct.Struct(">I")
_CHUNK = struct.Struct(">BI")
_KEY_CHECK_LABEL = b"pledge backup key check v1"
_ARCHIVE_KEY_INFO = b"pledge backup archive v1"


class ArchiveBroken(Exception):
    """The file is not an intact pledge backup: damaged, altered, cut short, or foreign."""


class WrongKey(ArchiveBroken):
    """The archive was sealed under another backup key than the one in this key database."""


def key_check(key: bytes) -> str:
    """A short public fingerprint of the backup key: names the key without weakening it."""
    return crypto.mac(key, _KEY_CHECK_LABEL)[:16]


@dataclass(frozen=True, slots=True)
class Header:
    """What an archive says about itself, in clear, bound into every chunk."""

    created_at: dt.datetime
    policy: str
    vendor: str
    journal_last: int  # the last shred-journal entry when the archive was made
    salt: bytes
    key_check: str
    version: int = VERSION
    chunk_size: int = CHUNK_SIZE

    @classmethod
    def new(
        cls, *, created_at: dt.datetime, policy: str, vendor: str, journal_last: int, key: bytes
    ) -> Header:
        return cls(
            created_at=created_at.astimezone(dt.UTC).replace(microsecond=0),
            policy=policy,
            vendor=vendor,
            journal_last=journal_last,
            salt=os.urandom(32),
            key_check=key_check(key),
        )

    def encode(self) -> bytes:
        data = asdict(self)
        data["created_at"] = self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        data["salt"] = self.salt.hex()
        body = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        return MAGIC + _LENGTH.pack(len(body)) + body

    @classmethod
    def decode(cls, body: bytes) -> Header:
        try:
            data = json.loads(body)
            version = data["version"]
            if version != VERSION:
                raise ArchiveBroken(
                    f"archive format version {version} is not one this pledge reads ({VERSION})"
                )
            if not 0 < int(data["chunk_size"]) <= MAX_CHUNK_SIZE:
                raise ArchiveBroken("the clear header is damaged (impossible chunk size)")
            return cls(
                created_at=dt.datetime.strptime(data["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
                    tzinfo=dt.UTC
                ),
                policy=str(data["policy"]),
                vendor=str(data["vendor"]),
                journal_last=int(data["journal_last"]),
                salt=bytes.fromhex(data["salt"]),
                key_check=str(data["key_check"]),
                version=version,
                chunk_size=int(data["chunk_size"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ArchiveBroken(f"the clear header is damaged ({exc})") from None


def read_header(source: BinaryIO) -> tuple[Header, bytes]:
    """The header, and its exact bytes (what the chunks are bound to)."""
    start = source.read(len(MAGIC) + _LENGTH.size)
    if start[: len(MAGIC)] != MAGIC:
        raise ArchiveBroken("not a pledge backup archive (no PLEDGEBK header)")
    if len(start) < len(MAGIC) + _LENGTH.size:
        raise ArchiveBroken("truncated: the file ends inside its header")
    (length,) = _LENGTH.unpack(start[len(MAGIC) :])
    if length > MAX_HEADER_BYTES:
        raise ArchiveBroken("the clear header is damaged (impossible length)")
    body = source.read(length)
    if len(body) < length:
        raise ArchiveBroken("truncated: the file ends inside its header")
    return Header.decode(body), start + body


def _archive_key(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_ARCHIVE_KEY_INFO)
    return AESGCM(derived.derive(key))


def _associated(header_digest: bytes, index: int, last: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, last)


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


class Sealer:
    """A write-only stream that seals what it is given into chunks after the header.

    ``finish()`` must be called once everything is written: it seals the last chunk, without
    which a reader reports the archive as truncated.
    """

    def __init__(self, out: BinaryIO, *, key: bytes, header: Header):
        prefix = header.encode()
        out.write(prefix)
        self._out, self._size = out, header.chunk_size
        self._aead = _archive_key(key, header.salt)
        self._digest = hashlib.sha256(prefix).digest()
        self._buffer = bytearray()
        self.chunks = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > self._size:
            self._seal(bytes(self._buffer[: self._size]), last=False)
            del self._buffer[: self._size]
        return len(data)

    def finish(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        index = self.chunks
        sealed = self._aead.encrypt(_nonce(index), plain, _associated(self._digest, index, last))
        self._out.write(_CHUNK.pack(last, len(sealed)) + sealed)
        self.chunks += 1


class Opener:
    """A read-only stream of an archive's contents, each chunk authenticated before use.

    Reading to the end (``drain()``) is what proves the archive whole: only then is it known
    that the last chunk was there and nothing follows it.
    """

    def __init__(self, source: BinaryIO, *, key: bytes, header: Header, prefix: bytes):
        if key_check(key) != header.key_check:
            raise WrongKey(
                "this archive was sealed under another backup key than the one in this key "
                "database (a backup of another installation, or one made before the key "
                "database was lost or replaced); it cannot be opened here"
            )
        self._source, self._limit = source, header.chunk_size + TAG_BYTES
        self._aead = _archive_key(key, header.salt)
        self._digest = hashlib.sha256(prefix).digest()
        self._chunk, self._position = b"", 0
        self._ended = False
        self.chunks = 0

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size
        while size < 0 or wanted > 0:
            if self._position == len(self._chunk):
                if self._ended:
                    break
                self._chunk, self._position = self._open_next(), 0
                continue
            end = len(self._chunk) if size < 0 else min(len(self._chunk), self._position + wanted)
            parts.append(self._chunk[self._position : end])
            wanted -= end - self._position
            self._position = end
        return b"".join(parts)

    def drain(self) -> None:
        while not self._ended:
            self._open_next()

    def _open_next(self) -> bytes:
        index = self.chunks
        start = self._source.read(_CHUNK.size)
        if len(start) < _CHUNK.size:
            raise ArchiveBroken(f"truncated: the file ends before chunk {index} (its last chunk)")
        last, length = _CHUNK.unpack(start)
        if last not in (0, 1) or not TAG_BYTES <= length <= self._limit:
            raise ArchiveBroken(f"chunk {index} is damaged (impossible flag or length)")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise ArchiveBroken(f"truncated: the file ends inside chunk {index}")
        try:
            plain = self._aead.decrypt(
                _nonce(index), sealed, _associated(self._digest, index, bool(last))
            )
        except InvalidTag:
            raise ArchiveBroken(
                f"chunk {index} does not authenticate: the archive or its header was altered, "
                "or its chunks reordered"
            ) from None
        self.chunks += 1
        if last:
            if self._source.read(1):
                raise ArchiveBroken(f"the file goes on after its last chunk ({index})")
            self._ended = True
        return plain
