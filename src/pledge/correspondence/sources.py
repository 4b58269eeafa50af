"""Where mail comes from: a Maildir, an mbox file, or a folder of ``.eml`` files.

Every source is read as a stream, one message at a time, so memory does not grow with the
mailbox: the mbox reader is this module's own (the standard library's builds a table of every
message first). Each message carries its location, so any problem can be reported where the
operator can find the message again, and its delivery time where the source records one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pledge.correspondence.choices import Source

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
_MAILDIR_STAMP = re.compile(r"^(\d{9,11})\.")
_MBOXRD_QUOTED = re.compile(rb"^>+From ")
_FROM_LINE = re.compile(rb"^From \S*.*\d{4}")


@dataclass(frozen=True, slots=True)
class Envelope:
    """One message as read from its source; ``raw`` is None when it was too large to read."""

    raw: bytes | None
    location: str
    source: Source
    size: int
    delivered_at: dt.datetime | None = None


class NotAMailbox(ValueError):
    pass


def envelopes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Envelope]:
    """Every message under ``path``, whatever kind of mailbox it is."""
    if path.is_file():
        with path.open("rb") as handle:
            first = handle.read(5)
        if first == b"From ":
            yield from mbox(path, max_bytes=max_bytes)
        else:
            yield _file(path, path.name, Source.EML, max_bytes, None)
        return
    if not path.is_dir():
        raise NotAMailbox(f"{path}: no such file or directory")
    if is_maildir(path):
        yield from maildir(path, max_bytes=max_bytes)
        return
    yield from _folder(path, path, max_bytes)


def is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new"))


def maildir(root: Path, *, max_bytes: int, prefix: str = "") -> Iterator[Envelope]:
    """A Maildir and its Maildir++ subfolders (``.Sent``, ``.Archive.2021``...)."""
    for sub in ("new", "cur"):
        for entry in sorted(os.scandir(root / sub), key=lambda e: e.name):
            if entry.is_file() and not entry.name.startswith("."):
                location = f"{prefix}{sub}/{entry.name}"
                yield _file(Path(entry.path), location, Source.MAILDIR, max_bytes, _stamp(entry))
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name.startswith(".") and entry.is_dir() and is_maildir(Path(entry.path)):
            yield from maildir(Path(entry.path), max_bytes=max_bytes, prefix=f"{entry.name}/")


def mbox(path: Path, *, max_bytes: int) -> Iterator[Envelope]:
    """Messages of an mbox file, split on ``From `` lines, mboxrd quoting undone."""
    with path.open("rb") as handle:
        lines: list[bytes] = []
        size, number, offset, position, delivered = 0, 0, 0, 0, None
        previous_blank, started = True, False
        for line in handle:
            if previous_blank and line.startswith(b"From ") and _FROM_LINE.match(line):
                if started:
                    yield _mbox_message(lines, size, number, offset, max_bytes, delivered)
                number, offset, delivered = number + 1, position, _from_line_date(line)
                lines, size, started = [], 0, True
            elif started:
                size += len(line)
                if size <= max_bytes:
                    lines.append(line[1:] if _MBOXRD_QUOTED.match(line) else line)
                elif lines:
                    lines = []  # too large: keep counting, stop keeping
            position += len(line)
            previous_blank = line in (b"\n", b"\r\n")
        if started:
            yield _mbox_message(lines, size, number, offset, max_bytes, delivered)


def _mbox_message(
    lines: list[bytes],
    size: int,
    number: int,
    offset: int,
    max_bytes: int,
    delivered: dt.datetime | None,
) -> Envelope:
    location = f"message {number} at byte {offset}"
    if size > max_bytes:
        return Envelope(None, location, Source.MBOX, size, delivered)
    raw = b"".join(lines)
    # The blank line before the next "From " belongs to the mbox format, not the message.
    if raw.endswith(b"\r\n\r\n"):
        raw = raw[:-2]
    elif raw.endswith(b"\n\n"):
        raw = raw[:-1]
    return Envelope(raw, location, Source.MBOX, size, delivered)


def _folder(root: Path, path: Path, max_bytes: int) -> Iterator[Envelope]:
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        child = Path(entry.path)
        if entry.is_dir() and not entry.name.startswith("."):
            if is_maildir(child):
                yield from maildir(child, max_bytes=max_bytes, prefix=f"{child.relative_to(root)}/")
            else:
                yield from _folder(root, child, max_bytes)
        elif entry.is_file() and entry.name.lower().endswith(".eml"):
            yield _file(child, str(child.relative_to(root)), Source.EML, max_bytes, None)


def _file(
    path: Path, location: str, source: Source, max_bytes: int, delivered: dt.datetime | None
) -> Envelope:
    size = path.stat().st_size
    if size > max_bytes:
        return Envelope(None, location, source, size, delivered)
    return Envelope(path.read_bytes(), location, source, size, delivered)


def _stamp(entry: os.DirEntry[str]) -> dt.datetime:
    """Delivery time of a Maildir file: the timestamp its name starts with, else its mtime."""
    match = _MAILDIR_STAMP.match(entry.name)
    seconds = int(match.group(1)) if match else entry.stat().st_mtime
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _from_line_date(line: bytes) -> dt.datetime | None:
    """The date on an mbox ``From sender Mon Jan  1 00:00:00 2024`` line (taken as UTC)."""
    words = line.decode("ascii", "replace").split()
    if len(words) < 7:
        return None
    try:
        stamp = dt.datetime.strptime(" ".join(words[-5:]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return stamp.replace(tzinfo=dt.UTC)
