"""Retention benchmarks: a sweep of 1,000,000 expired rows, and the expiry of a log partition.

Run from the repository root:

    python3 -m uv run python bench/retention_bench.py sweep --db sqlite --rows 1000000
    python3 -m uv run python bench/retention_bench.py sweep --db postgres --rows 1000000
    python3 -m uv run python bench/retention_bench.py partitions --big 10000000 --small 1000

Everything the run creates lives under ``bench/out/`` (git-ignored); results go to
``bench/out/retention-sweep-<db>-<rows>.json`` and ``bench/out/retention-partitions-<big>.json``.
On PostgreSQL (127.0.0.1:5432, user postgres, trust auth) the sweep uses its own databases,
``pledge_bench_sweep`` and ``pledge_bench_sweep_keys`` (and ``pledge_bench_sweep_peer`` for the
peer), dropped before the run and again after it unless ``--keep``.

**sweep**: under japan-centre (orders and payments kept six years), ``--rows`` payments that are
long due (2012 to 2018) among ``--subjects`` customers, and ``--young`` recent ones (2024 to
2025) of a tenth as many other customers, which must stay. Every customer has a data key in the
key database; each payment's payer name is sealed under it with the bytes pledge itself writes
(the key fetched once per customer, the rows bulk-inserted through ``bulk_create``). The site is
then copied (the SQLite file; on PostgreSQL ``CREATE DATABASE ... TEMPLATE``), and two fresh
processes run, each timed from inside and its peak RSS taken from the kernel:

- the peer, on the copy: one plain ``DELETE FROM shop_payment WHERE received_at <= cutoff``
  (the cutoff the sweep computes), then the same space reclaim the sweep ends with;
- the sweep, on the site: ``pledge.retention.sweep.sweep_run(now=...)`` as ``pledge sweep`` runs
  it: the plan, 2,000 rows a transaction, one audit event per batch, each emptied customer's
  key shredded (and journaled) in its batch, then the space reclaim (SQLite
  ``PRAGMA incremental_vacuum``; PostgreSQL ``VACUUM (ANALYZE)`` of every holder's table).

The space each leaves is read from the files (SQLite: file size, pages, free pages) or from the
server (PostgreSQL: the payment table's and the database's size).

**partitions**: under alps (web logs kept five years after the fiscal year's end, plus 30 days),
fiscal years of raw log lines written through ``pledge.traffic.store.PartitionWriter``
(encrypted Parquet, one key per fiscal year) and listed in the manifest as an import does:
``--small`` lines in the year to March 2016, ``--big`` in the next, ``--small`` in the next, and
so on for ``--rounds`` big years. Then ``pledge.traffic.services.log_partitions_expire`` runs at
each year's due date in turn (one second before it first, which must expire nothing), each run
expiring exactly one year; each big year is compared with the small years on either side of it.
The key shred and the file removal are timed apart by wrapping the two functions it calls.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vault_bench as vb  # the vault benchmark's setup (settings, migrations, versions), reused

REPO, OUT = vb.REPO, vb.OUT
vb.PG_DATA, vb.PG_KEYS = "pledge_bench_sweep", "pledge_bench_sweep_keys"
PG_PEER = "pledge_bench_sweep_peer"
NOW = dt.datetime(2025, 6, 1, 2, 0, tzinfo=dt.UTC)  # japan-centre's sweep hour: 03:00 in London
OLD = (dt.datetime(2012, 1, 1, tzinfo=dt.UTC), dt.datetime(2018, 12, 31, tzinfo=dt.UTC))
YOUNG = (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
ALPS = REPO / "policies" / "alps.yaml"
WEB_LOGS = "user.device.web_logs"
CHUNK = 500_000  # log lines a Parquet row group (one chunk, as an import writes them)
log = vb.log


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM). Not ``ru_maxrss``: Linux carries that over
    from the parent through fork and exec, so a child of the loader would report the loader."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- the sweep: data --------------------------------------------------------------------------


def _spread(rng: random.Random, span: tuple[dt.datetime, dt.datetime]) -> dt.datetime:
    return span[0] + (span[1] - span[0]) * rng.random()


def payments_load(*, rows: int, young: int, subjects: int, seed: int = 20250601) -> dict:
    """Customers with data keys, and their payments, sealed as pledge seals them."""
    from django.db import transaction

    from pledge.shop.models import PURCHASES, Payment, PaymentMethod
    from pledge.vault import crypto, keyring, master
    from pledge.vault.fields import _Stored
    from pledge.vault.models import DataKey, Subject, SubjectKind
    from pledge.vault.routers import KEYS

    rng = random.Random(seed)
    started = time.perf_counter()
    field = Payment._meta.get_field("payer_name")
    young_subjects = max(1, subjects // 10)
    customers = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(subjects)]
    recent = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(young_subjects)]
    Subject.objects.bulk_create(
        [Subject(id=s, kind=SubjectKind.CUSTOMER) for s in customers + recent], batch_size=2000
    )
    current = master.current()
    keys: dict[uuid.UUID, bytes] = {}
    rows_of_keys = []
    for subject in customers + recent:
        ref = keyring.KeyRef(category=PURCHASES, subject=subject)
        keys[subject] = key = crypto.new_key()
        rows_of_keys.append(
            DataKey(
                handle=ref.handle,
                subject=subject,
                category=PURCHASES,
                wrapped=master.wrap(ref.handle, key, master=current),
                master_id=current.id,
            )
        )
    DataKey.objects.using(KEYS).bulk_create(rows_of_keys, batch_size=2000)
    log(f"{len(keys)} customers and their keys in {time.perf_counter() - started:.0f}s")

    def payments(count: int, owners: list[uuid.UUID], span: tuple) -> Iterator[Payment]:
        for n in range(count):
            pk = uuid.UUID(int=rng.getrandbits(128), version=4)
            subject = owners[n % len(owners)]
            row = Payment(
                id=pk,
                subject_id=subject,
                method=PaymentMethod.BANK_TRANSFER,
                status="received",
                amount=Decimal("13.50"),
                currency="GBP",
                received_at=_spread(rng, span),
                reference=f"{'Y' if span is YOUNG else 'P'}{n:09d}",
            )
            associated = field.associated(row)
            row.payer_name = _Stored(
                crypto.seal(
                    keys[subject], field.to_bytes(f"Customer {subject.hex[:8]}"), associated
                )
            )
            yield row

    written = 0
    for count, owners, span in ((rows, customers, OLD), (young, recent, YOUNG)):
        source = payments(count, owners, span)
        while batch := [row for _, row in zip(range(20_000), source, strict=False)]:
            with transaction.atomic():
                Payment.objects.bulk_create(batch, batch_size=1000)
            written += len(batch)
            if written % 200_000 < 20_000:
                log(f"  {written:,} payments ({time.perf_counter() - started:.0f}s)")
    return {
        "expired_rows": rows,
        "young_rows": young,
        "customers_expired": subjects,
        "customers_young": young_subjects,
        "seconds": round(time.perf_counter() - started, 1),
    }


def loaded_check(rows: int) -> dict:
    """Before anything is timed: the plan sees exactly the expired rows, and a row opens."""
    from django.conf import settings

    from pledge.datamap import registry
    from pledge.retention.plan import plan
    from pledge.shop.models import Payment

    entries = plan(settings.POLICY, list(registry.holders(settings.POLICY)), NOW)
    (entry,) = [e for e in entries if e.holder == "shop.Payment"]
    assert entry.due_now == rows, (entry.due_now, rows)
    sample = Payment.objects.order_by("reference").first()
    assert sample is not None
    assert sample.payer_name.reveal(purpose="orders").startswith("Customer ")
    return {"due_now": entry.due_now, "cutoff": entry.cutoff.isoformat()}


def settle(db: str) -> None:
    """The load out of the write-ahead log (SQLite) or vacuumed and analysed (PostgreSQL)."""
    from django.db import connections

    for alias in ("default", "keys"):
        connection = connections[alias]
        with connection.cursor() as cursor:
            if db == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                cursor.execute("VACUUM ANALYZE")
        connection.close()


# --- the sweep: the two processes --------------------------------------------------------------


def child(mode: str, env: dict[str, str]) -> dict:
    """Run this script's ``child-<mode>`` in a fresh process; its report."""
    started = time.perf_counter()
    before = load_average()
    process = subprocess.Popen(
        [sys.executable, __file__, f"child-{mode}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    out = process.stdout.read()
    assert process.wait() == 0, f"child-{mode} failed ({process.returncode}):\n{out}"
    report = json.loads(out.strip().splitlines()[-1])
    report.update(
        process_seconds=round(time.perf_counter() - started, 2),
        load_average=[before, load_average()],
    )
    return report


def _ready() -> tuple[float, float]:
    """Django started and every connection open, so the clock measures the work only."""
    import django

    django.setup()
    from django.db import connections

    for connection in connections.all():
        connection.ensure_connection()
    return time.perf_counter(), peak_rss_mib()


def child_sweep() -> dict:
    rss_ready = _ready()[1]
    from django.db.models import QuerySet

    from pledge.audit.models import AuditEvent
    from pledge.retention import sweep

    # Where the time goes: the functions the sweep calls, each wrapped in a timer (the sweep's
    # own code is not changed). What no timer covers is selecting each batch's keys.
    parts: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

        return run

    sweep.plan = timed("plan", sweep.plan)  # type: ignore[assignment]
    sweep._subjects_of = timed("subjects of the batch", sweep._subjects_of)  # type: ignore[assignment]
    sweep._shred_emptied = timed("emptied subjects: check and shred", sweep._shred_emptied)  # type: ignore[assignment]
    sweep.keyring.shred = timed("of which key shred", sweep.keyring.shred)  # type: ignore[assignment]
    sweep.audit_record = timed("audit event", sweep.audit_record)  # type: ignore[assignment]
    sweep.space_reclaim = timed("space reclaim", sweep.space_reclaim)  # type: ignore[assignment]
    delete, delete_timed = QuerySet.delete, timed("DELETE of the batch", QuerySet.delete)

    def batch_delete(self: QuerySet, *args: Any, **kwargs: Any) -> Any:
        # The key shred's own DELETE (in the key database) is timed with the shred.
        own = self.model._meta.app_label == "vault"
        return (delete if own else delete_timed)(self, *args, **kwargs)

    QuerySet.delete = batch_delete  # type: ignore[method-assign]
    started, cpu = time.perf_counter(), time.process_time()
    result = sweep.sweep_run(now=NOW)
    seconds = time.perf_counter() - started
    covered = sum(v for k, v in parts.items() if not k.startswith("of which"))
    parts["selecting each batch, commits, the rest"] = seconds - covered
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "reclaim_seconds": round(parts.get("space reclaim", 0.0), 2),
        "parts_seconds": {k: round(v, 2) for k, v in parts.items()},
        "deleted": result.deleted,
        "keys_shredded": result.keys_shredded,
        "batches": AuditEvent.objects.filter(action="retention.deleted").count(),
        "rss_ready_mib": rss_ready,
        "peak_rss_mib": peak_rss_mib(),
    }


def child_delete() -> dict:
    rss_ready = _ready()[1]
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.db import connection, transaction

    from pledge.retention.plan import cutoff_for
    from pledge.shop.models import PURCHASES

    category = settings.POLICY.category(PURCHASES)
    cutoff = cutoff_for(category.retention, ZoneInfo(settings.POLICY.time_zone), NOW)
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM shop_payment WHERE received_at <= %s", [cutoff])
        deleted = cursor.rowcount
    seconds = time.perf_counter() - started
    reclaim_started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executescript("PRAGMA incremental_vacuum;")  # stepped to the end
        else:
            cursor.execute("VACUUM (ANALYZE) shop_payment")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "reclaim_seconds": round(time.perf_counter() - reclaim_started, 2),
        "deleted": deleted,
        "rss_ready_mib": rss_ready,
        "peak_rss_mib": peak_rss_mib(),
    }


def space(db: str, *, sqlite_file: Path | None = None, database: str | None = None) -> dict:
    """Bytes the data database takes, read from outside pledge."""
    if db == "sqlite":
        import sqlite3

        assert sqlite_file is not None
        wal = sqlite_file.with_name(sqlite_file.name + "-wal")
        # What the file holds once the write-ahead log is written back, as SQLite does by itself
        # every 1,000 pages and when the last connection closes.
        with contextlib.closing(sqlite3.connect(sqlite_file)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            page = conn.execute("PRAGMA page_size").fetchone()[0]
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        return {
            "file_bytes": sqlite_file.stat().st_size + (wal.stat().st_size if wal.exists() else 0),
            "used_bytes": (pages - free) * page,
            "free_page_bytes": free * page,
        }
    import psycopg

    assert database is not None
    with psycopg.connect(vb.PG_URL.format(name=database)) as conn:
        database_bytes, table_bytes, heap_bytes = conn.execute(
            "SELECT pg_database_size(current_database()),"
            " pg_total_relation_size('shop_payment'), pg_relation_size('shop_payment')"
        ).fetchone()
    return {"database_bytes": database_bytes, "table_bytes": table_bytes, "heap_bytes": heap_bytes}


def postgres_copy(source: str, target: str) -> None:
    import psycopg

    with psycopg.connect(vb.PG_URL.format(name="postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {target} TEMPLATE {source}")


def postgres_drop(*names: str) -> None:
    import psycopg

    with psycopg.connect(vb.PG_URL.format(name="postgres"), autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def sweep_bench(args: argparse.Namespace) -> dict:
    db = args.db
    work = OUT / f"retention-{db}"
    results: dict[str, Any] = {
        "command": " ".join(["bench/retention_bench.py", *sys.argv[1:]]),
        "source_digest": vb.source_digest(),
        "now": NOW.isoformat(),
        "load_average": {"start": load_average()},
    }
    vb.configure(db, work)
    results["versions"] = vb.versions(db)
    log(f"loading {args.rows:,} expired and {args.young:,} young payments ({db})")
    results["load"] = payments_load(rows=args.rows, young=args.young, subjects=args.subjects)
    results["plan"] = loaded_check(args.rows)
    settle(db)
    env = dict(os.environ)
    data_file = work / "data" / "pledge.sqlite3"
    if db == "sqlite":
        peer_dir = work / "peer-data"
        peer_dir.mkdir()
        shutil.copy2(data_file, peer_dir / data_file.name)
        peer_env = {**env, "PLEDGE_DATA_DIR": str(peer_dir)}
        where = {"site": {"sqlite_file": data_file},
                 "peer": {"sqlite_file": peer_dir / data_file.name}}  # fmt: skip
    else:
        postgres_copy(vb.PG_DATA, PG_PEER)
        peer_env = {**env, "DATABASE_URL": vb.PG_URL.format(name=PG_PEER)}
        where = {"site": {"database": vb.PG_DATA}, "peer": {"database": PG_PEER}}
    results["space_before"] = space(db, **where["site"])
    log("peer: one DELETE of the same rows, then the same reclaim")
    results["peer"] = child("delete", peer_env)
    results["peer"]["space_after"] = space(db, **where["peer"])
    log(f"  {results['peer']}")
    log("sweep_run")
    results["sweep"] = child("sweep", env)
    results["sweep"]["space_after"] = space(db, **where["site"])
    log(f"  {results['sweep']}")
    sweep, peer = results["sweep"], results["peer"]
    assert sweep["deleted"] == peer["deleted"] == args.rows, (sweep["deleted"], peer["deleted"])
    results["rows_per_second"] = {
        "sweep": round(args.rows / sweep["seconds"]),
        "delete": round(args.rows / peer["seconds"]),
    }
    results["ratio_sweep_to_delete"] = round(sweep["seconds"] / peer["seconds"], 2)
    results["ratio_sweep_to_delete_and_reclaim"] = round(
        sweep["seconds"] / (peer["seconds"] + peer["reclaim_seconds"]), 2
    )
    results["load_average"]["end"] = load_average()
    if db == "postgres" and not args.keep:
        postgres_drop(vb.PG_DATA, vb.PG_KEYS, PG_PEER)
    return results


# --- log partitions ------------------------------------------------------------------------------


def _lines(count: int, start: dt.datetime, end: dt.datetime, offset: int) -> Iterator[Any]:
    """``count`` combined-format lines spread over [start, end), as polars frames of CHUNK."""
    import polars as pl

    rng = random.Random(offset)
    addresses = pl.Series([f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}"
                           f".{rng.randint(1, 254)}" for _ in range(40_000)])  # fmt: skip
    agents = pl.Series(
        [f"Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"
         for v in range(60, 140)]
    )  # fmt: skip
    step = (end - start) / count
    start += step / 2  # the year's first instant, its close, belongs to the year before
    for first in range(0, count, CHUNK):
        n = min(CHUNK, count - first)
        index = pl.int_range(first, first + n, eager=True, dtype=pl.Int64)
        micros = int(start.timestamp() * 1e6) + (index * int(step / dt.timedelta(microseconds=1)))
        frame = pl.DataFrame(
            {
                "time": micros.cast(pl.Datetime("us", "UTC")),
                "ip": addresses.gather((index * 7919) % len(addresses)),
                "method": pl.repeat("GET", n, eager=True),
                "target": "/products/" + (index % 20_000).cast(pl.String),
                "protocol": pl.repeat("HTTP/1.1", n, eager=True),
                "status": pl.repeat(200, n, eager=True, dtype=pl.UInt16),
                "bytes": ((index * 31) % 50_000).cast(pl.UInt64),
                "referrer": pl.repeat("-", n, eager=True),
                "user_agent": agents.gather(index % len(agents)),
                "source": pl.repeat("access.log", n, eager=True),
                "line_number": (index + offset + 1).cast(pl.UInt64),
            }
        )
        frame = frame.with_columns(
            line=pl.format(
                '{} - - [{}] "{} {} {}" {} {} "{}" "{}"',
                "ip",
                pl.col("time").dt.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "method",
                "target",
                "protocol",
                "status",
                "bytes",
                "referrer",
                "user_agent",
            )
        )
        yield frame


def partition_build(count: int, fiscal_year_end: int, offset: int) -> dict:
    """``count`` raw lines of the fiscal year ending 31 March ``fiscal_year_end``, written and
    committed to the manifest as an import writes and commits them."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from pledge.traffic import periods, store
    from pledge.traffic.models import FileKind, LogFile

    zone = dt.timezone(dt.timedelta(hours=9))  # Asia/Tokyo has no daylight saving time
    start = dt.datetime(fiscal_year_end - 1, 4, 1, tzinfo=zone)
    end = dt.datetime(fiscal_year_end, 4, 1, tzinfo=zone)
    started = time.perf_counter()
    writer = store.PartitionWriter(kind=FileKind.RAW, category=WEB_LOGS, run=uuid.uuid4().hex)
    labels: set[str] = set()
    try:
        for frame in _lines(count, start, end, offset):
            period = periods.periods_of(frame["time"], settings.POLICY)
            labels |= set(period.unique().to_list())
            writer.write(frame, period)
        written = writer.close()
    except BaseException:
        writer.abort()
        raise
    (label,) = labels
    with transaction.atomic():
        LogFile.objects.bulk_create(
            LogFile(path=w.path, kind=w.kind, category=w.category, period=w.period, rows=w.rows,
                    size=w.size, first_at=w.first_at, last_at=w.last_at,
                    created_at=timezone.now())
            for w in written
        )  # fmt: skip
    return {
        "period": label,
        "lines": sum(w.rows for w in written),
        "files": len(written),
        "bytes": sum(w.size for w in written),
        "write_seconds": round(time.perf_counter() - started, 1),
    }


def partition_expire(period: str) -> dict:
    """``log_partitions_expire`` at the period's due date; the key shred and the file removal
    timed apart by wrapping the two calls it makes (nothing in ``src/`` is changed)."""
    from django.conf import settings

    from pledge.traffic import periods, services, store
    from pledge.traffic.models import LogFile
    from pledge.vault import keyring

    due = periods.period_due(period, settings.POLICY)
    assert due is not None
    lines = sum(LogFile.objects.filter(period=period).values_list("rows", flat=True))
    parts: dict[str, float] = {}

    def timing(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

        return timed

    shred, remove = keyring.shred, store.partition_remove
    services.keyring.shred = timing("key_shred", shred)  # type: ignore[method-assign]
    services.store.partition_remove = timing("file_removal", remove)  # type: ignore[assignment]
    load = load_average()
    try:
        # One second before the due date nothing may go; at it, exactly this period.
        assert services.log_partitions_expire(now=due - dt.timedelta(seconds=1)) == 0
        started = time.perf_counter()
        expired = services.log_partitions_expire(now=due)
        seconds = time.perf_counter() - started
    finally:
        keyring.shred, store.partition_remove = shred, remove
    assert expired == 1 and not LogFile.objects.filter(period=period).exists()
    assert keyring.get(store.key_ref(WEB_LOGS, period)) is None
    return {
        "period": period,
        "lines": lines,
        "due": due.isoformat(),
        "seconds": round(seconds, 4),
        "key_shred_seconds": round(parts.get("key_shred", 0.0), 4),
        "file_removal_seconds": round(parts.get("file_removal", 0.0), 4),
        "load_average": [load, load_average()],
    }


def partitions_bench(args: argparse.Namespace) -> dict:
    vb.POLICY = ALPS
    results: dict[str, Any] = {
        "command": " ".join(["bench/retention_bench.py", *sys.argv[1:]]),
        "source_digest": vb.source_digest(),
        "load_average": {"start": load_average()},
    }
    vb.configure("sqlite", OUT / "retention-partitions")
    results["versions"] = vb.versions("sqlite")
    built = []
    sizes = [args.small] + [args.big, args.small] * args.rounds  # small, big, small, big, ...
    for count, year in zip(sizes, range(2016, 2016 + len(sizes)), strict=True):
        log(f"writing {count:,} lines of the fiscal year to March {year}")
        built.append(partition_build(count, year, offset=year))
        log(f"  {built[-1]}")
    results["partitions"] = built
    expiries = []
    for partition in built:
        expiries.append(partition_expire(partition["period"]))
        log(f"  expired {expiries[-1]}")
    results["expiries"] = expiries
    # Each big year against the mean of the small years on either side of it.
    results["ratios_big_to_small"] = [
        round(
            expiries[i]["seconds"]
            / ((expiries[i - 1]["seconds"] + expiries[i + 1]["seconds"]) / 2),
            2,
        )
        for i in range(1, len(expiries), 2)
    ]
    results["load_average"]["end"] = load_average()
    shutil.rmtree(OUT / "retention-partitions" / "data" / "partitions", ignore_errors=True)
    return results


def main() -> int:
    if len(sys.argv) == 2 and sys.argv[1] in ("child-sweep", "child-delete"):
        sys.path.insert(0, str(REPO))
        report = child_sweep() if sys.argv[1] == "child-sweep" else child_delete()
        print(json.dumps(report))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    sweep = modes.add_parser("sweep", help="sweep of expired rows against one plain DELETE")
    sweep.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    sweep.add_argument("--rows", type=int, default=1_000_000, help="expired payments")
    sweep.add_argument("--young", type=int, default=100_000, help="payments not yet due")
    sweep.add_argument("--subjects", type=int, default=10_000, help="customers of the expired")
    sweep.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    partitions = modes.add_parser("partitions", help="expiry of a big and of a small log year")
    partitions.add_argument("--big", type=int, default=10_000_000)
    partitions.add_argument("--small", type=int, default=1_000)
    partitions.add_argument(
        "--rounds", type=int, default=2, help="big years, each between two small"
    )
    args = parser.parse_args()
    if args.mode == "sweep":
        results = sweep_bench(args)
        name = f"retention-sweep-{args.db}-{args.rows}"
    else:
        results = partitions_bench(args)
        name = f"retention-partitions-{args.big}"
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    log(f"results: {path.relative_to(REPO)}")
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
