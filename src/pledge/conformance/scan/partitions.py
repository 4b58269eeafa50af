"""The raw log partitions under ``DATA_DIR/partitions``, read as generically as they can be.

The layout is Hive style (``.../category=<id>/.../period=<period>/<file>``, as the backup
replay already relies on). Contents are read, in order of preference, through a store of the
datamap that offers ``iter_text(purpose=...)``, or from the files themselves: Parquet, with the
vault's data key of the file's (category, period) when it is encrypted (Parquet modular
encryption, the key as footer key, as the traffic store writes it), or text (gzip allowed).
A file whose key is destroyed is unreadable by anyone: erased, not unscanned. One that cannot
be read otherwise is reported as not scanned, with the reason: never as clean.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

from pledge.datamap import registry
from pledge.vault import keyring
from pledge.vault.purposes import STORE_SCAN

PARTITIONS = "partitions"
TEXT_SUFFIXES = {".log", ".txt", ".csv", ".json", ".jsonl", ".ndjson"}


@runtime_checkable
class TextSource(Protocol):
    """What a datamap store offers so that its contents can be scanned: (where, text) pairs,
    decrypted in memory for the given purpose."""

    name: str

    def iter_text(self, *, purpose: str) -> Iterable[tuple[str, str]]: ...


@dataclass(frozen=True, slots=True)
class Partition:
    path: Path
    category: str | None
    period: str | None

    @property
    def shown(self) -> str:
        parts = self.path.parts
        index = parts.index(PARTITIONS) if PARTITIONS in parts else 0
        return "/".join(parts[index:])


class Unreadable(Exception):
    """The file could not be read: encrypted with no key to be found, or damaged."""


class UnknownFormat(Unreadable):
    """Not a format this scan reads, so whether it is encrypted is not known either."""


class KeyDestroyed(Unreadable):
    """Encrypted under its period's key, and that key is destroyed: nobody can read it."""


def partitions(data_dir: Path) -> list[Partition]:
    root = data_dir / PARTITIONS
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.name.startswith("."):
            continue
        keys = dict(part.split("=", 1) for part in path.relative_to(root).parts[:-1] if "=" in part)
        found.append(Partition(path, keys.get("category"), keys.get("period")))
    return found


def text_sources() -> list[tuple[str, TextSource]]:
    """(category, store) for every datamap store that can be read for scanning."""
    return [
        (holder.category, holder.store)
        for holder in registry.store_holders()
        if isinstance(holder.store, TextSource)
    ]


def store_texts(source: TextSource) -> Iterator[tuple[str, str]]:
    yield from source.iter_text(purpose=STORE_SCAN)


def in_clear(partition: Partition) -> bool:
    """Whether anyone can read the file without a key."""
    if ".parquet" not in partition.path.suffixes:
        return partition.path.suffix == ".gz" or partition.path.suffix in TEXT_SUFFIXES
    try:
        pq.ParquetFile(partition.path).schema_arrow  # noqa: B018 - reading the footer is the test
        next(_batches(partition.path, None), None)
    except Exception:  # encrypted (or damaged): not readable as it is
        return False
    return True


def texts(partition: Partition) -> Iterator[str]:
    """The text held by one partition file, decrypted in memory with its period's vault key
    when it is encrypted. ``Unreadable`` (and its kinds) says why it cannot be read."""
    suffixes = partition.path.suffixes
    if ".parquet" in suffixes:
        yield from _parquet(partition)
    elif suffixes and suffixes[-1] == ".gz":
        with gzip.open(partition.path, "rt", encoding="utf-8", errors="replace") as handle:
            yield from handle
    elif suffixes and suffixes[-1] in TEXT_SUFFIXES:
        with partition.path.open(encoding="utf-8", errors="replace") as handle:
            yield from handle
    else:
        raise UnknownFormat(f"{partition.shown}: not a format this scan reads")


def period_key(partition: Partition) -> bytes | None:
    """The vault's key for the partition's (category, period), None when destroyed or absent."""
    if partition.category is None or partition.period is None:
        return None
    return keyring.get(keyring.KeyRef(category=partition.category, period=partition.period))


def _batches(path: Path, key: bytes | None) -> Iterator[pa.RecordBatch]:
    options = {}
    if key is not None:
        options["decryption_properties"] = pe.create_decryption_properties(footer_key=key)
    yield from pq.ParquetFile(path, **options).iter_batches(batch_size=10_000)


def _parquet(partition: Partition) -> Iterator[str]:
    clear = in_clear(partition)
    key = None if clear else period_key(partition)
    if key is None and not clear:
        sealed = _sealed_footer(partition.path)
        if partition.category and partition.period and sealed:
            raise KeyDestroyed(f"{partition.shown}: encrypted, and its period's key is destroyed")
        raise Unreadable(
            f"{partition.shown}: "
            + ("encrypted under no key of this vault" if sealed else "not readable as Parquet")
        )
    try:
        for batch in _batches(partition.path, key):
            for column in batch.columns:
                if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
                    continue  # numbers (sizes, statuses, fingerprints) are not text
                for value in column.to_pylist():
                    if isinstance(value, str):
                        yield value
                    elif isinstance(value, bytes):
                        yield value.decode("utf-8", errors="replace")
    except (OSError, pa.ArrowException) as exc:
        raise Unreadable(f"{partition.shown}: {type(exc).__name__}: {exc}") from None


def _sealed_footer(path: Path) -> bool:
    """An encrypted Parquet footer ends the file with the magic 'PARE' instead of 'PAR1'."""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 4))
        return handle.read(4) == b"PARE"


# --- periods -------------------------------------------------------------------------------

_PERIOD = re.compile(r"(?<!\d)(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?!\d)")


def latest_instant(period: str, fiscal_end: tuple[int, int] | None, zone: ZoneInfo) -> dt.datetime:
    """The latest moment a record of ``period`` can be from, read generously.

    '2019-05-31' is that day; '2019-05' that month; '2019' (or 'FY2019') a year, read as the
    latest year the label could mean: with a fiscal year ending on MM-DD, the fiscal year that
    starts in 2019 and ends on MM-DD of 2020. Reading late only ever makes a partition due
    later, so a partition reported overdue is overdue under every reading of its name.
    """
    match = _PERIOD.search(period)
    if not match:
        raise ValueError(f"period {period!r} names no year")
    year, month, day = int(match[1]), match[2], match[3]
    if month and day:
        end = dt.date(year, int(month), int(day)) + dt.timedelta(days=1)
    elif month:
        end = dt.date(year + int(month) // 12, int(month) % 12 + 1, 1)
    elif fiscal_end is not None:
        end = dt.date(year + 1, *fiscal_end) + dt.timedelta(days=1)
    else:
        end = dt.date(year + 1, 1, 1)
    midnight = dt.datetime.combine(end, dt.time(), tzinfo=zone)
    return midnight - dt.timedelta(microseconds=1)
