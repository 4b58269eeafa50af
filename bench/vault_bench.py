"""Vault benchmarks: field encryption throughput, blind-index lookup and erasure among N subjects.

Run from the repository root:

    python3 -m uv run python bench/vault_bench.py --subjects 1000000 --db sqlite
    python3 -m uv run python bench/vault_bench.py --subjects 1000000 --db postgres

Everything the run creates lives under ``bench/out/`` (git-ignored): the data and key directories
(the SQLite files, the master key) and the results, ``bench/out/vault-<db>-<N>.json``. On
PostgreSQL (127.0.0.1:5432, user postgres, trust auth) it uses its own databases,
``pledge_bench`` and ``pledge_bench_keys``, dropped before the run and again after it.

The measures, all through pledge's own code (nothing in ``src/`` is patched):

1. throughput of sealing and opening 100 B and 10 kB values, at each layer of the field path,
   beside raw AES-256-GCM from ``cryptography`` as the ceiling, so overheads are same-run ratios;
2. ``Subject.objects.get(email_index=email_index(address))`` among N subjects;
3. ``subject_erase(subject_id=..., reason=...)`` of one subject among N, each subject having a
   data key in the key database and an encrypted ``Dossier`` row in the data database;
4. the same erasure once the shred journal holds ``--journal`` entries (N by default);
5. two what-ifs for docs/benchmarks.md, on the bench databases only: that erasure again with an
   index on the journal's ``handle``, and a data-key fetch by one plain SELECT beside
   ``keyring.get``.

The N subjects are written in bulk (raw INSERTs on SQLite, COPY on PostgreSQL) with the same
bytes pledge writes: blind indexes are HMACs under the real index key, data keys are wrapped
under the real master key, dossier bodies are sealed with the real associated data; a sample is
read back through pledge before anything is timed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import string
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
PG_DATA, PG_KEYS = "pledge_bench", "pledge_bench_keys"
POLICY = REPO / "policies" / "japan-centre.yaml"
CATEGORY = "user.correspondence"  # the category of vaultcases.Dossier
PURPOSE = "service"  # declared for it by the policy
SIZES = (100, 10_000)
ERASURE_GOAL_MS = 20.0

# --- setup ------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def postgres_databases(*, create: bool) -> None:
    """Drop the bench databases, and create them empty again when asked."""
    import psycopg

    with psycopg.connect(PG_URL.format(name="postgres"), autocommit=True) as conn:
        for name in (PG_DATA, PG_KEYS):
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            if create:
                conn.execute(f"CREATE DATABASE {name}")


def configure(db: str, work: Path) -> None:
    """Point pledge's settings at the bench's own directories and databases, then start Django."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("DATABASE_URL", "PLEDGE_KEYS_DATABASE_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "pledge.settings",
            "PLEDGE_TESTING": "1",  # installs tests.vaultcases (Dossier)
            "PLEDGE_POLICY": str(POLICY),
            "PLEDGE_DATA_DIR": str(work / "data"),
            "PLEDGE_KEY_DIR": str(work / "keys"),
            "PLEDGE_SECRET_KEY": "bench-only-not-a-secret",
        }
    )
    if db == "postgres":
        postgres_databases(create=True)
        os.environ["DATABASE_URL"] = PG_URL.format(name=PG_DATA)
        os.environ["PLEDGE_KEYS_DATABASE_URL"] = PG_URL.format(name=PG_KEYS)
    sys.path.insert(0, str(REPO))  # tests.vaultcases lives outside src/

    import django
    from django.core.management import call_command

    django.setup()
    # Everything the timed phases call, imported now: a broken import fails here, not after the
    # long load.
    import tests.vaultcases.models  # noqa: F401

    import pledge.datamap.erasure  # noqa: F401

    for alias in ("default", "keys"):
        call_command("migrate", database=alias, verbosity=0, interactive=False)
    # tests.vaultcases has no migrations; its tables go in once vault_subject exists, since
    # PostgreSQL checks the foreign keys as it creates them.
    call_command("migrate", database="default", run_syncdb=True, verbosity=0, interactive=False)


def versions(db: str) -> dict[str, str]:
    import sqlite3

    import cryptography
    import django
    from django.db import connections

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    found = {
        "machine": f"{os.cpu_count()} cores ({cpu or platform.machine()}), shared",
        "python": platform.python_version(),
        "django": django.__version__,
        "cryptography": cryptography.__version__,
        "sqlite": sqlite3.sqlite_version,
    }
    if db == "postgres":
        with connections["default"].cursor() as cursor:
            cursor.execute("SHOW server_version")
            found["postgresql"] = cursor.fetchone()[0]
    return found


# --- statistics -------------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(s / 1e6 for s in samples_ns)
    return {
        "n": len(ordered),
        "p50_ms": percentile(ordered, 0.50),
        "p95_ms": percentile(ordered, 0.95),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": ordered[-1],
        "mean_ms": statistics.fmean(ordered),
    }


def timed(function: Callable[[], Any]) -> tuple[int, int, Any]:
    """Wall-clock and this thread's CPU nanoseconds of one call, and its result.

    On a shared machine the wall clock also counts time spent waiting for a core; the CPU time
    does not (nor the database server's work, nor disk waits), so the two bracket the cost.
    """
    cpu, start = time.thread_time_ns(), time.perf_counter_ns()
    result = function()
    return time.perf_counter_ns() - start, time.thread_time_ns() - cpu, result


# --- 1. throughput ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One layer of the field path: ``run(n)`` does n operations, returns the seconds they took."""

    name: str
    run: Callable[[int], float]


def text_of(size: int, rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits + " ", k=size))


def encrypt_stages(size: int, rng: random.Random) -> list[Stage]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.db import transaction
    from django.utils import timezone
    from tests.vaultcases.models import Dossier

    from pledge.vault import crypto
    from pledge.vault.models import Subject, SubjectKind

    text = text_of(size, rng)
    data = text.encode()
    key = crypto.new_key()
    associated = b"vaultcases.dossier|body|00000000-0000-0000-0000-000000000000"
    aes, nonce = AESGCM(key), os.urandom(crypto.NONCE_BYTES)
    subject = Subject.objects.create(kind=SubjectKind.CORRESPONDENT)
    field = Dossier._meta.get_field("body")
    Dossier.objects.create(subject=subject, received_at=timezone.now(), body="creates the key")

    def raw(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            aes.encrypt(nonce, data, associated)
        return time.perf_counter() - start

    def seal(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            crypto.seal(key, data, associated)
        return time.perf_counter() - start

    def field_seal(n: int) -> float:
        instance = Dossier(subject=subject, received_at=timezone.now())
        start = time.perf_counter()
        for _ in range(n):
            field.seal(instance, text)
        return time.perf_counter() - start

    def save(n: int) -> float:
        now = timezone.now()
        rows = [Dossier(subject=subject, received_at=now, body=text) for _ in range(n)]
        start = time.perf_counter()
        with transaction.atomic():
            for row in rows:
                row.save(force_insert=True)
        return time.perf_counter() - start

    return [
        Stage("AES-256-GCM encrypt (ceiling)", raw),
        Stage("crypto.seal", seal),
        Stage("EncryptedTextField.seal (+ key lookup)", field_seal),
        Stage("Dossier.save (full field path)", save),
    ]


def decrypt_stages(size: int, rng: random.Random) -> list[Stage]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.db import transaction
    from django.utils import timezone
    from tests.vaultcases.models import Dossier

    from pledge.vault import crypto
    from pledge.vault.models import Subject, SubjectKind

    text = text_of(size, rng)
    data = text.encode()
    key = crypto.new_key()
    associated = b"vaultcases.dossier|body|00000000-0000-0000-0000-000000000000"
    aes, nonce = AESGCM(key), os.urandom(crypto.NONCE_BYTES)
    ciphertext = aes.encrypt(nonce, data, associated)
    sealed = crypto.seal(key, data, associated)
    field = Dossier._meta.get_field("body")

    def saved_rows(n: int) -> list[Dossier]:
        subject = Subject.objects.create(kind=SubjectKind.CORRESPONDENT)
        now = timezone.now()
        with transaction.atomic():
            for _ in range(n):
                Dossier.objects.create(subject=subject, received_at=now, body=text)
        return list(Dossier.objects.filter(subject=subject))

    def raw(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            aes.decrypt(nonce, ciphertext, associated)
        return time.perf_counter() - start

    def unseal(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            crypto.unseal(key, sealed, associated)
        return time.perf_counter() - start

    def field_open(n: int) -> float:
        (row,) = saved_rows(1)
        stored = bytes(row.__dict__["body"])
        start = time.perf_counter()
        for _ in range(n):
            field.open(row, stored)
        return time.perf_counter() - start

    def reveal(n: int) -> float:
        rows = saved_rows(n)
        start = time.perf_counter()
        for row in rows:
            row.body.reveal(purpose=PURPOSE)
        return time.perf_counter() - start

    def get_reveal(n: int) -> float:
        pks = [row.pk for row in saved_rows(n)]
        start = time.perf_counter()
        for pk in pks:
            Dossier.objects.get(pk=pk).body.reveal(purpose=PURPOSE)
        return time.perf_counter() - start

    return [
        Stage("AES-256-GCM decrypt (ceiling)", raw),
        Stage("crypto.unseal", unseal),
        Stage("EncryptedTextField.open (+ key lookup)", field_open),
        Stage("Sealed.reveal (+ purpose check)", reveal),
        Stage("Dossier.objects.get + reveal (full field path)", get_reveal),
    ]


def calibrate(stage: Stage, min_seconds: float) -> int:
    """The smallest power of two of operations that takes at least ``min_seconds``."""
    n = 1
    while stage.run(n) < min_seconds and n < 1 << 24:
        n *= 2
    return n


def throughput(
    stages: list[Stage], size: int, *, rounds: int, min_seconds: float
) -> list[dict[str, Any]]:
    """Median of ``rounds`` interleaved rounds, so every stage sees the same machine noise."""
    counts = {stage.name: calibrate(stage, min_seconds) for stage in stages}
    per_op: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for stage in stages:
            n = counts[stage.name]
            per_op[stage.name].append(stage.run(n) / n)
    ceiling = statistics.median(per_op[stages[0].name])
    results = []
    for stage in stages:
        seconds = statistics.median(per_op[stage.name])
        results.append(
            {
                "stage": stage.name,
                "bytes": size,
                "values_per_s": 1 / seconds,
                "mb_per_s": size / seconds / 1e6,
                "of_ceiling": ceiling / seconds,
                "us_per_value": seconds * 1e6,
            }
        )
        log(f"  {size:>6} B  {stage.name:<48} {1 / seconds:>12,.0f} values/s")
    return results


def measure_throughput(rng: random.Random, *, rounds: int, min_seconds: float) -> dict[str, Any]:
    results: dict[str, Any] = {"encrypt": [], "decrypt": []}
    for size in SIZES:
        results["encrypt"] += throughput(
            encrypt_stages(size, rng), size, rounds=rounds, min_seconds=min_seconds
        )
        results["decrypt"] += throughput(
            decrypt_stages(size, rng), size, rounds=rounds, min_seconds=min_seconds
        )
    return results


# --- the N subjects ---------------------------------------------------------------------------


def ident(kind: str, i: int, seed: int) -> uuid.UUID:
    """The i-th subject's (or dossier's) id: recomputable, so a million need not stay in memory."""
    digest = hashlib.blake2b(f"{seed}|{kind}|{i}".encode(), digest_size=16).digest()
    return uuid.UUID(bytes=digest, version=4)


def address(i: int) -> str:
    return f"Subject.{i:07d}@Bench.Example"


def body_of(i: int) -> str:
    return f"Dear shop, this is letter {i:07d} about my order, which has not arrived yet. Regards,"


class Writer:
    """Bulk rows into one model's table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, alias: str, model: Any, names: tuple[str, ...]):
        from django.db import connections

        self.alias = alias
        connection = connections[alias]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
        table = quote(model._meta.db_table)
        self.copy = connection.vendor == "postgresql"
        if self.copy:
            self.sql = f"COPY {table} ({columns}) FROM STDIN"
        else:
            self.sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        from django.db import connections, transaction

        with transaction.atomic(using=self.alias), connections[self.alias].cursor() as cursor:
            if self.copy:
                with cursor.cursor.copy(self.sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)


def load(n: int, seed: int, *, batch: int) -> dict[str, int]:
    """N subjects, each with a blind index, a wrapped data key and one encrypted dossier."""
    from django.db import connections
    from django.utils import timezone
    from tests.vaultcases.models import Dossier

    from pledge.vault import crypto, keyring, master
    from pledge.vault.blind_index import EMAIL_INDEX_KEY, normalise_email
    from pledge.vault.models import DataKey, Subject

    data, keys = connections["default"], connections["keys"]
    for connection in (data, keys):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                # Load-time only: this connection is closed before anything is timed.
                cursor.execute("PRAGMA cache_size=-262144")
    subjects = Writer(
        "default",
        Subject,
        ("id", "kind", "email_index", "synthetic", "created_at", "erased_at"),
    )
    data_keys = Writer(
        "keys",
        DataKey,
        ("handle", "subject", "category", "period", "wrapped", "master_id", "created_at"),
    )
    dossiers = Writer(
        "default",
        Dossier,
        ("id", "subject", "received_at", "body", "headers", "attachment", "country"),
    )
    data_uuid = (lambda u: u) if data.features.has_native_uuid_field else (lambda u: u.hex)
    keys_uuid = (lambda u: u) if keys.features.has_native_uuid_field else (lambda u: u.hex)
    now = timezone.now()
    created = data.ops.adapt_datetimefield_value(now)
    received = data.ops.adapt_datetimefield_value(now - dt.timedelta(days=30))
    key_created = keys.ops.adapt_datetimefield_value(now)
    index_key = keyring.get_or_create(EMAIL_INDEX_KEY)
    current = master.current()
    body = Dossier._meta.get_field("body")

    start = time.perf_counter()
    for first in range(0, n, batch):
        subject_rows, key_rows, dossier_rows = [], [], []
        for i in range(first, min(n, first + batch)):
            subject, dossier = ident("subject", i, seed), ident("dossier", i, seed)
            key = crypto.new_key()
            handle = keyring.KeyRef(category=CATEGORY, subject=subject).handle
            index = crypto.mac(index_key, normalise_email(address(i)).encode("utf-8"))
            associated = body.associated(SimpleNamespace(_meta=Dossier._meta, pk=dossier))
            subject_rows.append((data_uuid(subject), "correspondent", index, False, created, None))
            key_rows.append(
                (
                    handle,
                    keys_uuid(subject),
                    CATEGORY,
                    "",
                    master.wrap(handle, key, master=current),
                    current.id,
                    key_created,
                )
            )
            dossier_rows.append(
                (
                    data_uuid(dossier),
                    data_uuid(subject),
                    received,
                    crypto.seal(key, body_of(i).encode(), associated),
                    None,
                    None,
                    "",
                )
            )
        data_keys.write(key_rows)
        subjects.write(subject_rows)
        dossiers.write(dossier_rows)
        done = first + len(subject_rows)
        if done % max(batch, n // 20) < batch or done == n:
            rate = done / (time.perf_counter() - start)
            log(f"  loaded {done:,} / {n:,} subjects ({rate:,.0f}/s)")
    seconds = time.perf_counter() - start
    settle()
    counts = {
        "subjects": Subject.objects.count(),
        "data_keys": DataKey.objects.using("keys").count(),
        "dossiers": Dossier.objects.count(),
    }
    log(f"  tables: {counts}, load took {seconds:,.0f} s")
    return {**counts, "load_seconds": round(seconds)}


def settle() -> None:
    """After the bulk load, leave the databases as a running site would have them."""
    from django.db import connections

    for alias in ("default", "keys"):
        connection = connections[alias]
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                # Empty the write-ahead log, or the first timed shred would pay for the load.
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                # Autovacuum would get there on its own; do not time it racing the bench.
                cursor.execute("VACUUM ANALYZE")
    connections.close_all()  # drop the load-time cache_size; timed work uses fresh connections


def verify(n: int, seed: int, rng: random.Random) -> None:
    """The bulk rows are what pledge itself would have written: read some back through it."""
    from tests.vaultcases.models import Dossier

    from pledge.vault.blind_index import email_index
    from pledge.vault.models import Subject

    for i in rng.sample(range(n), min(n, 20)):
        subject = Subject.objects.get(email_index=email_index(address(i).lower()))
        assert subject.pk == ident("subject", i, seed), f"subject {i} found the wrong row"
        dossier = Dossier.objects.get(pk=ident("dossier", i, seed))
        assert dossier.body.reveal(purpose=PURPOSE) == body_of(i), f"dossier {i} did not open"


# --- 2. blind-index lookup --------------------------------------------------------------------


def measure_lookup(n: int, seed: int, rng: random.Random, count: int) -> dict[str, Any]:
    from pledge.vault.blind_index import email_index
    from pledge.vault.models import Subject

    full, full_cpu, index_only, query_only = [], [], [], []
    sample = [rng.randrange(n) for _ in range(count + 20)]
    for position, i in enumerate(sample):
        expected = ident("subject", i, seed)
        a, a_cpu, subject = timed(
            lambda i=i: Subject.objects.get(email_index=email_index(address(i)))
        )
        b, _, index = timed(lambda i=i: email_index(address(i)))
        c, _, _ = timed(lambda index=index: Subject.objects.get(email_index=index))
        assert subject.pk == expected
        if position >= 20:  # the first 20 warm connections and code paths
            full.append(a)
            full_cpu.append(a_cpu)
            index_only.append(b)
            query_only.append(c)
    results = {
        "get(email_index=email_index(addr))": latency(full),
        "get(email_index=email_index(addr)), CPU": latency(full_cpu),
        "email_index(addr) alone": latency(index_only),
        "get(email_index=<precomputed>) alone": latency(query_only),
    }
    for name, stats in results.items():
        log(f"  lookup {name:<40} p50 {stats['p50_ms']:.3f}  p95 {stats['p95_ms']:.3f} ms")
    return results


def measure_key_fetch(n: int, seed: int, rng: random.Random, count: int) -> dict[str, Any]:
    """What-if: a data key fetched by ``keyring.get`` against one plain SELECT and the unwrap.

    Both return the same key from the same row; the difference is what building the query
    through the ORM costs on every encrypted read and write (see docs/benchmarks.md).
    """
    from django.db import connections

    from pledge.vault import crypto, keyring, master
    from pledge.vault.models import DataKey

    keys = connections["keys"]
    sql = (
        f"SELECT {keys.ops.quote_name('wrapped')}, {keys.ops.quote_name('master_id')} "
        f"FROM {keys.ops.quote_name(DataKey._meta.db_table)} "
        f"WHERE {keys.ops.quote_name('handle')} = %s"
    )

    def plain(handle: str) -> bytes:
        with keys.cursor() as cursor:
            cursor.execute(sql, [handle])
            wrapped, master_id = cursor.fetchone()
        current = master.current()
        assert master_id == current.id
        return crypto.unseal(current.key, bytes(wrapped), master._associated(handle, master_id))

    orm, raw = [], []
    for position, i in enumerate(rng.choices(range(n), k=count + 20)):
        ref = keyring.KeyRef(category=CATEGORY, subject=ident("subject", i, seed))
        a, _, key = timed(lambda ref=ref: keyring.get(ref))
        b, _, same = timed(lambda ref=ref: plain(ref.handle))
        assert key == same
        if position >= 20:
            orm.append(a)
            raw.append(b)
    results = {"keyring.get(ref)": latency(orm), "one plain SELECT + unwrap": latency(raw)}
    for name, stats in results.items():
        log(f"  key fetch {name:<30} p50 {stats['p50_ms']:.3f}  p95 {stats['p95_ms']:.3f} ms")
    return results


# --- 3. erasure -------------------------------------------------------------------------------


class Ledger:
    """Where an erasure's time goes: SQL per database (checkpoints apart) and commits."""

    def __init__(self) -> None:
        self.ns: dict[str, int] = defaultdict(int)
        self.count: dict[str, int] = defaultdict(int)

    def add(self, what: str, ns: int) -> None:
        self.ns[what] += ns
        self.count[what] += 1


@contextlib.contextmanager
def instrumented(ledger: Ledger) -> Iterator[None]:
    from django.db import connections

    def wrapper_for(alias: str) -> Callable[..., Any]:
        def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any):
            start = time.perf_counter_ns()
            try:
                return execute(sql, params, many, context)
            finally:
                kind = "checkpoint" if "wal_checkpoint" in sql else "sql"
                ledger.add(f"{alias} {kind}", time.perf_counter_ns() - start)

        return wrapper

    def commit_for(alias: str, commit: Callable[[], None]) -> Callable[[], None]:
        def timed_commit() -> None:
            start = time.perf_counter_ns()
            try:
                commit()
            finally:
                ledger.add(f"{alias} commit", time.perf_counter_ns() - start)

        return timed_commit

    with contextlib.ExitStack() as stack:
        for alias in ("default", "keys"):
            connection = connections[alias]
            connection.ensure_connection()
            stack.enter_context(connection.execute_wrapper(wrapper_for(alias)))
            connection._commit = commit_for(alias, connection._commit)
            stack.callback(connection.__dict__.pop, "_commit")
        yield


def erase(i: int, seed: int) -> tuple[int, int]:
    """Wall-clock and CPU nanoseconds of erasing the i-th subject."""
    from pledge.datamap.erasure import subject_erase

    subject = ident("subject", i, seed)
    wall, cpu, outcomes = timed(lambda: subject_erase(subject_id=subject, reason="bench"))
    (outcome,) = [o for o in outcomes if o.category == CATEGORY]
    assert outcome.status == "erased" and outcome.count == 1, outcome
    return wall, cpu


def measure_erasure(seed: int, sample: list[int], *, profiled: int) -> dict[str, Any]:
    """Erase the subjects of ``sample``: 5 to warm up, then timed, then ``profiled`` more."""
    from pledge.vault.blind_index import email_index
    from pledge.vault.models import Subject

    warm, timed_end = 5, len(sample) - profiled
    for i in sample[:warm]:
        erase(i, seed)
    walls, cpus = zip(*(erase(i, seed) for i in sample[warm:timed_end]), strict=True)
    stats, cpu = latency(list(walls)), latency(list(cpus))
    log(
        f"  erasure p50 {stats['p50_ms']:.2f}  p95 {stats['p95_ms']:.2f}  p99 {stats['p99_ms']:.2f}"
    )

    # A separate sample with every query and commit timed, to show where the time goes.
    ledger, totals = Ledger(), []
    with instrumented(ledger):
        for i in sample[timed_end:]:
            totals.append(erase(i, seed)[0])
    runs = max(len(totals), 1)
    breakdown = {
        what: {"ms_per_erasure": ledger.ns[what] / runs / 1e6, "calls": ledger.count[what] / runs}
        for what in sorted(ledger.ns)
    }
    breakdown["other (Python, BEGIN)"] = {
        "ms_per_erasure": (sum(totals) - sum(ledger.ns.values())) / runs / 1e6,
        "calls": 0,
    }
    for what, part in breakdown.items():
        log(f"    {what:<22} {part['ms_per_erasure']:7.2f} ms  ({part['calls']:.0f} calls)")

    assert not Subject.objects.filter(email_index=email_index(address(sample[0]))).exists()
    return {
        "subject_erase": stats,
        "subject_erase_cpu": cpu,
        "goal_p95_ms": ERASURE_GOAL_MS,
        "goal_met": stats["p95_ms"] < ERASURE_GOAL_MS,
        "profiled": {"n": len(totals), **latency(totals)} if totals else {},
        "breakdown": breakdown,
    }


def fill_journal(entries: int, seed: int, *, batch: int) -> int:
    """Shred-journal rows as earlier erasures leave them: a key entry and a subject entry each."""
    from django.db import connections
    from django.utils import timezone

    from pledge.vault.models import ShredEntry

    keys = connections["keys"]
    journal = Writer(
        "keys", ShredEntry, ("at", "handle", "subject", "category", "period", "reason")
    )
    to_db = (lambda u: u) if keys.features.has_native_uuid_field else (lambda u: u.hex)
    at = keys.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for j in range(entries // 2):
        subject = ident("erased", j, seed)
        rows.append((at, f"subject/{subject}/{CATEGORY}", to_db(subject), CATEGORY, "", "bench"))
        rows.append((at, f"subject/{subject}", to_db(subject), "subject.identity", "", "bench"))
        if len(rows) >= batch:
            journal.write(rows)
            rows = []
    if rows:
        journal.write(rows)
    settle()
    count = ShredEntry.objects.using("keys").count()
    log(f"  shred journal holds {count:,} entries")
    return count


def index_journal() -> None:
    """What-if: the index on the shred journal's handle that src/ lacks (bench databases only)."""
    from django.db import connections

    from pledge.vault.models import ShredEntry

    keys = connections["keys"]
    quote = keys.ops.quote_name
    with keys.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX bench_what_if_shredentry_handle "
            f"ON {quote(ShredEntry._meta.db_table)} ({quote('handle')})"
        )
    settle()


def source_digest() -> str:
    """Which state of src/ was measured (the tree changes under other engineers' hands)."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "src").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# --- report -----------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    lines = [
        f"# vault bench: {results['db']}, N = {results['subjects']:,}",
        "",
        f"`{results['command']}` (src/ digest {results['source_digest']})",
        "",
        *(f"- {key}: {value}" for key, value in results["versions"].items()),
        *(
            f"- load average during {name}: {start} -> {end}"
            for name, (start, end) in results["load_average"].items()
        ),
        "",
        "| measure | size | values/s | MB/s | of AES-GCM |",
        "|---|---:|---:|---:|---:|",
    ]
    for direction in ("encrypt", "decrypt"):
        for row in results["throughput"][direction]:
            lines.append(
                f"| {row['stage']} | {row['bytes']:,} B | {row['values_per_s']:,.0f} "
                f"| {row['mb_per_s']:,.2f} | {row['of_ceiling']:.4f} |"
            )
    lines += [
        "",
        "| measure | n | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    timings = {
        **results["lookup"],
        "subject_erase": results["erasure"]["subject_erase"],
        "subject_erase, CPU": results["erasure"]["subject_erase_cpu"],
    }
    for key, label in (("erasure_journal", ""), ("erasure_journal_indexed", ", indexed")):
        if key in results:
            journal = results[key]
            entries = f"journal of {journal['journal_entries']:,}{label}"
            timings[f"subject_erase, {entries}"] = journal["subject_erase"]
            timings[f"subject_erase, {entries}, CPU"] = journal["subject_erase_cpu"]
    for name, stats in results.get("key_fetch", {}).items():
        timings[f"key fetch: {name}"] = stats
    for name, stats in timings.items():
        lines.append(
            f"| {name} | {stats['n']} | {stats['p50_ms']:.3f} | {stats['p95_ms']:.3f} "
            f"| {stats['p99_ms']:.3f} | {stats['max_ms']:.3f} |"
        )
    for key in ("erasure", "erasure_journal", "erasure_journal_indexed"):
        if key not in results:
            continue
        part = results[key]
        met = "met" if part["goal_met"] else "NOT met"
        lines += [
            "",
            f"{key}: goal p95 < {ERASURE_GOAL_MS:g} ms {met}; "
            f"where the time of {part['profiled'].get('n', 0)} more erasures went:",
            "",
            "| part | ms per erasure | calls |",
            "|---|---:|---:|",
            *(
                f"| {what} | {row['ms_per_erasure']:.2f} | {row['calls']:.0f} |"
                for what, row in part["breakdown"].items()
            ),
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=10_000, help="N (default 10,000)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--lookups", type=int, default=2000, help="timed lookups (2,000)")
    parser.add_argument("--erasures", type=int, default=300, help="timed erasures (300)")
    parser.add_argument("--profiled", type=int, default=100, help="erasures with a breakdown")
    parser.add_argument(
        "--journal", type=int, default=None, help="shred-journal entries for the last phase (N)"
    )
    parser.add_argument("--journal-erasures", type=int, default=100, help="timed then (100)")
    parser.add_argument("--rounds", type=int, default=9, help="throughput rounds (median)")
    parser.add_argument("--min-seconds", type=float, default=0.25, help="per throughput round")
    parser.add_argument("--batch", type=int, default=10_000, help="rows per bulk insert")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    # A plain kill then still drops the databases and removes the work directory.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    n = args.subjects
    journal = n if args.journal is None else args.journal

    work = OUT / f"vault-{args.db}-{n}"
    rng = random.Random(args.seed)
    started = time.time()
    log(f"vault bench on {args.db}, N = {n:,}, work in {work}")
    configure(args.db, work)
    results: dict[str, Any] = {
        "db": args.db,
        "subjects": n,
        "command": " ".join(["python3 -m uv run python bench/vault_bench.py", *sys.argv[1:]]),
        "versions": versions(args.db),
        "source_digest": source_digest(),
        "parameters": {
            "lookups": args.lookups,
            "erasures": args.erasures,
            "profiled": args.profiled,
            "journal": journal,
            "journal_erasures": args.journal_erasures,
            "rounds": args.rounds,
            "min_seconds": args.min_seconds,
            "seed": args.seed,
        },
        "load_average": {},
    }

    @contextlib.contextmanager
    def phase(name: str) -> Iterator[None]:
        log(name)
        before = os.getloadavg()[0]
        yield
        results["load_average"][name] = [round(before, 2), round(os.getloadavg()[0], 2)]

    try:
        with phase("throughput"):
            results["throughput"] = measure_throughput(
                rng, rounds=args.rounds, min_seconds=args.min_seconds
            )
        with phase("load"):
            results["tables"] = load(n, args.seed, batch=args.batch)
            verify(n, args.seed, rng)
        with phase("lookup"):
            results["lookup"] = measure_lookup(n, args.seed, rng, args.lookups)
        with phase("key fetch"):
            results["key_fetch"] = measure_key_fetch(n, args.seed, rng, args.lookups)
        first = 5 + args.erasures + args.profiled
        later = 5 + args.journal_erasures + args.profiled // 2
        sample = rng.sample(range(n), min(n, first + 2 * later))
        with phase("erasure"):
            results["erasure"] = measure_erasure(args.seed, sample[:first], profiled=args.profiled)
        if journal:
            with phase("erasure with a full shred journal"):
                entries = fill_journal(journal, args.seed, batch=args.batch)
                results["erasure_journal"] = {
                    "journal_entries": entries,
                    **measure_erasure(
                        args.seed, sample[first : first + later], profiled=args.profiled // 2
                    ),
                }
            with phase("erasure with a full, indexed shred journal (what-if)"):
                index_journal()
                results["erasure_journal_indexed"] = {
                    "journal_entries": entries,
                    **measure_erasure(
                        args.seed, sample[first + later :], profiled=args.profiled // 2
                    ),
                }
        results["wall_seconds"] = round(time.time() - started)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            if args.db == "postgres":
                postgres_databases(create=False)
            shutil.rmtree(work, ignore_errors=True)
    path = OUT / f"vault-{args.db}-{n}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    text = report(results)
    (OUT / f"vault-{args.db}-{n}.md").write_text(text)
    print(text)
    log(f"results in {path}")


if __name__ == "__main__":
    main()
