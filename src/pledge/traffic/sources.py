"""Reading log files in chunks of whole lines: plain or gzip, a file or standard input.

Memory stays at about one chunk whatever the file's size. Gzip is recognised by its magic
bytes, not its name, so a rotated ``access.log.2.gz`` and ``zcat``-ed standard input read the
same. A gzip stream cut short yields every complete line before the cut, then says so
(``Chunk.error``), and the partial last line is handed on to be quarantined, never dropped
silently. Several gzip members one after another (``cat a.gz b.gz``) read as one stream.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 4 << 20
READ_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 20  # longer than this is not a log line: cut, and quarantined as such
GZIP_MAGIC = b"\x1f\x8b"


class SourceError(Exception):
    """A source could not be read at all (missing, unreadable)."""


@dataclass
class Chunk:
    source: str
    first_line: int  # 1-based number of the chunk's first line in its source
    data: bytes  # whole lines, each ending with b"\n" (the last may lack it at the end)
    lines: int
    truncated_tail: bool = False  # the last line was cut by a damaged gzip stream
    error: str | None = None  # what went wrong with the source after this chunk, if anything


@dataclass
class Progress:
    """Bytes read so far of ``total`` (the size on disk; None for standard input)."""

    total: int | None
    done: int = 0
    sources: list[str] = field(default_factory=list)


def display_name(name: str) -> str:
    return "<stdin>" if name == "-" else name


def _open(name: str) -> BinaryIO:
    if name == "-":
        return sys.stdin.buffer
    path = Path(name)
    try:
        return path.open("rb")
    except OSError as exc:
        raise SourceError(f"{name}: {exc.strerror or exc}") from None


def size_of(name: str) -> int | None:
    if name == "-":
        return None
    try:
        return Path(name).stat().st_size
    except OSError:
        return None


class _Decoder:
    """Raw bytes in, log bytes out: gzip (any number of members) or plain."""

    def __init__(self) -> None:
        self.gzip: bool | None = None
        self._inflate: zlib._Decompress | None = None
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        if self.gzip is None:
            self._pending += data
            if len(self._pending) < 2:
                return b""
            self.gzip = self._pending[:2] == GZIP_MAGIC
            data, self._pending = self._pending, b""
        if not self.gzip:
            return data
        out = []
        while data:
            if self._inflate is None:
                self._inflate = zlib.decompressobj(wbits=31)
            out.append(self._inflate.decompress(data))
            if self._inflate.eof:
                data = self._inflate.unused_data
                self._inflate = None
                if data[:2] != GZIP_MAGIC and data.strip(b"\x00"):
                    raise zlib.error("data after the end of the gzip stream")
                if not data.strip(b"\x00"):
                    break
            else:
                data = b""
        return b"".join(out)

    def finish(self) -> tuple[bytes, str | None]:
        """What is left, and the problem if the stream ended in the middle of a gzip member."""
        if self.gzip is None:
            data, self._pending = self._pending, b""
            return data, None
        if self.gzip and self._inflate is not None:
            tail = self._inflate.flush()
            return tail, "the gzip stream is cut short: it ends in the middle of a member"
        return b"", None


def chunks(
    name: str, *, chunk_bytes: int = CHUNK_BYTES, progress: Progress | None = None
) -> Iterator[Chunk]:
    """The lines of source ``name`` (a path or "-") in chunks of about ``chunk_bytes``."""
    shown = display_name(name)
    stream = _open(name)
    decoder = _Decoder()
    carry = bytearray()  # grows in place: no copy of what was read before at each read
    line = 1
    error: str | None = None
    try:
        while True:
            try:
                raw = stream.read(min(READ_BYTES, chunk_bytes))
            except OSError as exc:
                error = f"read failed: {exc.strerror or exc}"
                break
            if progress is not None:
                progress.done += len(raw)
            if not raw:
                break
            try:
                carry += decoder.feed(raw)
            except zlib.error as exc:
                error = f"the gzip stream is damaged ({exc})"
                break
            cut = carry.rfind(b"\n") + 1
            if len(carry) - cut > MAX_LINE_BYTES:
                del carry[cut + MAX_LINE_BYTES :]
            if len(carry) < chunk_bytes or cut == 0:
                continue
            with memoryview(carry) as view:
                body = [bytes(view[:cut])]  # one copy
            del carry[:cut]
            count = body[0].count(b"\n")
            # Handed over, not kept: the consumer may free the bytes once it has split them.
            yield Chunk(shown, line, body.pop(), count)
            line += count
        if error is None:
            tail, error = decoder.finish()
            carry += tail
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    carry = bytes(carry)
    count = carry.count(b"\n") + (0 if carry.endswith(b"\n") or not carry else 1)
    truncated = error is not None and bool(carry) and not carry.endswith(b"\n")
    if carry or error:
        yield Chunk(shown, line, carry, count, truncated_tail=truncated, error=error)
