"""Encrypted Parquet partitions: where raw log lines (and lines that did not parse) are kept.

Layout, Hive style under ``DATA_DIR/partitions`` so that DuckDB, Spark or Trino read it as is::

    web_logs/category=user.device.web_logs/period=fy2016-03-31/<run>-00001.parquet
    web_logs_quarantine/category=user.device.web_logs/period=fy2016-03-31/...
    visit_ledger/category=user.behavior.browsing/period=salt-2015-05-17/...

Every file is Parquet modular encryption (AES-GCM, uniform: footer and every column) under the
vault's data key of its (category, period). Destroying that key makes every copy unreadable,
backups included; the backup restore replays the shred by deleting
``partitions/**/category=<c>/**/period=<p>``, which this layout is built to match. Given the
key, DuckDB reads a partition directly (``duckdb_read_sql``).

Files are written under ``DATA_DIR/traffic-staging`` and moved into place when the run's
counts are committed; the ``LogFile`` manifest is the commit record, and a file it does not
list (left by a crash between the move and the commit) is never read and is removed later.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe
from django.conf import settings

from pledge.traffic.background import Background
from pledge.traffic.models import FileKind
from pledge.vault import keyring

DATASETS = {
    FileKind.RAW: "web_logs",
    FileKind.QUARANTINE: "web_logs_quarantine",
    FileKind.LEDGER: "visit_ledger",
}
ORPHAN_AGE_SECONDS = 3600
STAGING = "traffic-staging"

# string_view: what polars holds, handed over without a copy (on disk it is the same Parquet
# BYTE_ARRAY any reader sees as text).
RAW_SCHEMA = pa.schema(
    [
        ("time", pa.timestamp("us", tz="UTC")),
        ("ip", pa.string_view()),
        ("method", pa.string_view()),
        ("target", pa.string_view()),
        ("protocol", pa.string_view()),
        ("status", pa.uint16()),
        ("bytes", pa.uint64()),
        ("referrer", pa.string_view()),
        ("user_agent", pa.string_view()),
        ("line", pa.string_view()),
        ("source", pa.string_view()),
        ("line_number", pa.uint64()),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        ("time", pa.timestamp("us", tz="UTC")),  # estimated: the neighbouring lines' time
        ("source", pa.string_view()),
        ("line_number", pa.uint64()),
        ("reason", pa.string_view()),
        ("raw", pa.binary_view()),
    ]
)
LEDGER_SCHEMA = pa.schema([("time", pa.timestamp("us", tz="UTC")), ("fingerprint", pa.uint64())])
SCHEMAS = {FileKind.RAW: RAW_SCHEMA, FileKind.QUARANTINE: QUARANTINE_SCHEMA,
           FileKind.LEDGER: LEDGER_SCHEMA}  # fmt: skip
DICTIONARY = {
    FileKind.RAW: ["ip", "method", "target", "protocol", "status", "referrer", "user_agent",
                   "source"],
    FileKind.QUARANTINE: ["source", "reason"],
    FileKind.LEDGER: [],
}  # fmt: skip
STATISTICS = ["time", "line_number", "status", "bytes"]
PAGE_BYTES = 64 * 1024


def root() -> Path:
    return Path(settings.DATA_DIR) / "partitions"


def partition_dir(kind: FileKind, category: str, period: str) -> Path:
    return root() / DATASETS[kind] / f"category={category}" / f"period={period}"


def key_ref(category: str, period: str) -> keyring.KeyRef:
    return keyring.KeyRef(category=category, period=period)


def _encryption(key: bytes) -> pe.FileEncryptionProperties:
    return pe.create_encryption_properties(footer_key=key)


def _decryption(key: bytes) -> pe.FileDecryptionProperties:
    return pe.create_decryption_properties(footer_key=key)


@dataclass(frozen=True, slots=True)
class Written:
    """A file moved into its partition, not yet committed to the manifest."""

    path: str  # relative to root()
    kind: FileKind
    category: str
    period: str
    rows: int
    size: int
    first_at: dt.datetime
    last_at: dt.datetime


@dataclass
class _Open:
    writer: pq.ParquetWriter
    staged: Path
    final: Path
    rows: int = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None


class PartitionWriter:
    """Appends tables of one kind to one file per period, for one run, until ``close``.

    Row groups are the tables given (a chunk of lines each), so memory stays one chunk.
    """

    def __init__(self, *, kind: FileKind, category: str, run: str) -> None:
        self.kind, self.category, self.run = kind, category, run
        self._open: dict[str, _Open] = {}
        self._sequence = 0
        self._staging = Path(settings.DATA_DIR) / STAGING / run
        self._background = Background("parquet-writer")

    def write(self, frame: pl.DataFrame, periods: pl.Series) -> None:
        """Write ``frame`` (the columns of ``SCHEMAS[kind]``); row i belongs to period
        ``periods[i]``. Split by polars, handed to Arrow without copying the text, and
        written in the background while the caller goes on: Arrow encodes, compresses and
        encrypts with the GIL released (measured: the write is a sixth of an import). The key
        and the file are opened here, on the caller's thread, never in the background."""
        if frame.height == 0:
            return
        schema = SCHEMAS[self.kind]
        labels = periods.unique().to_list()
        # The keys of the periods met first here, made together (a day's ledger each, a year
        # of them in one chunk of a quiet site's history): one key-database commit.
        keys = keyring.get_or_create_many(
            key_ref(self.category, label) for label in labels if label not in self._open
        )
        parts = []
        for label in labels:
            part = frame if len(labels) == 1 else frame.filter(periods == label)
            table = part.select(schema.names).to_arrow(compat_level=pl.CompatLevel.newest())
            times = part["time"]
            opened = self._opened(label, keys)
            parts.append((opened, table, times.min(), times.max()))
        self._background.run(_append_all, parts, schema)

    def _opened(self, period: str, keys: dict[str, bytes]) -> _Open:
        current = self._open.get(period)
        if current is None:
            self._sequence += 1
            name = f"{self.run}-{self.kind.value}-{self._sequence:05d}.parquet"
            self._staging.mkdir(parents=True, exist_ok=True)
            staged = self._staging / name
            key = keys[key_ref(self.category, period).handle]
            writer = pq.ParquetWriter(
                staged,
                SCHEMAS[self.kind],
                compression="zstd",
                compression_level=1,
                encryption_properties=_encryption(key),
                # Readers see plain Parquet types (text, not Arrow's string_view), which every
                # engine reads and filters.
                store_schema=False,
                # A dictionary only where values repeat (a line, a time, a number rarely do:
                # building one to throw it away is a third of the writing), and statistics
                # only where a reader prunes by them (a time range): no min and max of
                # every line's text.
                use_dictionary=DICTIONARY[self.kind],
                write_statistics=STATISTICS,
                # Pages of 64 KiB: the writer holds a page of each column while it fills, and
                # that, not the page count, is what it costs (a megabyte a column by default).
                data_page_size=PAGE_BYTES,
            )
            final = partition_dir(self.kind, self.category, period) / name
            current = self._open[period] = _Open(writer, staged, final)
        return current

    def close(self) -> list[Written]:
        """Finish every file and move it into its partition; the caller commits the manifest."""
        self._background.wait()
        written = []
        for period, current in self._open.items():
            current.writer.close()
            _fsync(current.staged)
            current.final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(current.staged, current.final)
            assert current.first_at is not None and current.last_at is not None
            written.append(
                Written(
                    path=current.final.relative_to(root()).as_posix(),
                    kind=self.kind,
                    category=self.category,
                    period=period,
                    rows=current.rows,
                    size=current.final.stat().st_size,
                    first_at=current.first_at,
                    last_at=current.last_at,
                )
            )
        self._open.clear()
        return written

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._background.wait()
        for current in self._open.values():
            with contextlib.suppress(Exception):
                current.writer.close()
            current.staged.unlink(missing_ok=True)
        self._open.clear()


def _append_all(parts: list[tuple[_Open, pa.Table, dt.datetime, dt.datetime]],
                schema: pa.Schema) -> None:  # fmt: skip
    """Each table to its file; ``low`` and ``high``: its first and last time (from polars,
    so that ``pyarrow.compute``, 11 MB of memory, is never loaded for an import)."""
    for current, table, low, high in parts:
        table = table if table.schema == schema else table.cast(schema)
        current.writer.write_table(table, row_group_size=max(table.num_rows, 1))
        _noted(current, table.num_rows, low, high)


def _noted(current: _Open, rows: int, low: dt.datetime, high: dt.datetime) -> None:
    current.rows += rows
    current.first_at = low if current.first_at is None else min(current.first_at, low)
    current.last_at = high if current.last_at is None else max(current.last_at, high)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(
    path: str,
    *,
    category: str,
    period: str,
    columns: list[str] | None = None,
    filters: list | None = None,
) -> pa.Table | None:
    """One committed file, decrypted; None once its period's key is destroyed or it is gone."""
    key = keyring.get(key_ref(category, period))
    if key is None:
        return None
    try:
        return pq.read_table(
            root() / path, columns=columns, filters=filters, decryption_properties=_decryption(key)
        )
    except FileNotFoundError:
        return None


def partition_remove(category: str, period: str) -> int:
    """Delete every directory of ``period`` of ``category`` (all datasets); how many went."""
    removed = 0
    for dataset in DATASETS.values():
        path = root() / dataset / f"category={category}" / f"period={period}"
        if path.is_dir():
            shutil.rmtree(path)
            removed += 1
    return removed


def orphans_remove(committed: Callable[[Iterable[str]], set[str]]) -> int:
    """Files no manifest lists, left by a crash at least an hour ago, and stale staging dirs.

    ``committed`` answers which of the given relative paths the manifest lists.
    """
    removed, cutoff = 0, time.time() - ORPHAN_AGE_SECONDS
    for dataset in DATASETS.values():
        base = root() / dataset
        if not base.is_dir():
            continue
        found = {p.relative_to(root()).as_posix(): p for p in base.rglob("*.parquet")}
        listed = committed(found)
        for rel, path in found.items():
            if rel not in listed and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    staging = Path(settings.DATA_DIR) / STAGING
    if staging.is_dir():
        for run_dir in staging.iterdir():
            if run_dir.stat().st_mtime < cutoff:
                shutil.rmtree(run_dir, ignore_errors=True)
    return removed


def duckdb_read_sql(key: bytes, glob: str, *, key_name: str = "pledge") -> tuple[str, str]:
    """The two statements that let DuckDB read files encrypted under ``key``.

    ``PRAGMA add_parquet_key`` registers the key (base64) under a name; ``read_parquet`` names
    it in its ``encryption_config``. Spark and Trino take the same key through their Parquet
    decryption properties.
    """
    encoded = base64.b64encode(key).decode("ascii")
    pragma = f"PRAGMA add_parquet_key('{key_name}', '{encoded}')"
    # DuckDB binds no parameters in a PRAGMA or a table function's path: the values are
    # pledge's own (a base64 key, a path it built), never a visitor's.
    select = (
        f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "  # noqa: S608
        f"encryption_config = {{footer_key: '{key_name}'}})"
    )
    return pragma, select
