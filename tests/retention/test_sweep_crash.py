"""Crash safety of the retention sweep: a real process killed with SIGKILL, then run again.

The issue's promise: a sweep is idempotent and resumable, so a sweep killed at any point and
run again ends exactly where an uninterrupted sweep would have. "Exactly" is checked on
everything a sweep touches: the rows left in every holder, the keys left in the key database,
the shred journal, the audit trail (the same events in the same order, and a hash chain that
verifies) and the anonymised order statistics counted before orders go; and on SQLite, once a
sweep has finished, no free page is left in the file (the space reclaim ran to its end).

The site is built once (migrated, then seeded by ``tests.retention.sweep_crash_driver``: orders,
order lines, payments, ledger entries, messages, attachments, chunks, dossiers, sessions and
failed sign-ins over ten years). An uninterrupted sweep of a fresh copy gives the reference.
Then, at least 50 times, a fresh copy is swept in small batches by a worker that is killed
with SIGKILL: at an exact point (right after a random batch commits; inside a random batch,
its rows deleted, emptied subjects' keys shredded and its audit event written, but not yet
committed; right after a shred has destroyed keys), or after a random delay spread over the
time a sweep takes to its last batch. A second worker then sweeps the same copy to the end,
and its report must equal the reference.

SQLite by default; with ``DATABASE_URL`` naming a PostgreSQL database (as CI's second run does)
the site is a pair of PostgreSQL databases named after it (``<name>_site`` and its key
database), put back to the made state from a snapshot of their tables before every sweep.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
DRIVER = "tests.retention.sweep_crash_driver"
BATCH = 12  # rows a transaction: the seeded site's due rows make about twenty batches
RANDOM_KILLS = 30
TARGETED_KILLS = 8  # of each kind: after a batch commits, and inside a batch
MINIMUM_KILLS = 50
RANDOM_SEED = 20250601
LINE_TIMEOUT = 120.0  # seconds without a word from the driver before the test gives up
SEED_ARGS = ("--customers", "24", "--correspondents", "20", "--anonymous", "40")
# What may differ between a killed-then-rerun site and the reference: the record of sweep
# runs themselves (a killed run never finishes; the rerun is one more).
RUN_RECORDS = ("sweeps_finished", "sweeps_unfinished")
SNAPSHOT = "crash_snapshot"  # PostgreSQL: the schema holding the made site's tables

pytestmark = pytest.mark.db  # CI runs it again with DATABASE_URL on PostgreSQL


# --- sites -------------------------------------------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass(frozen=True)
class Site:
    """A data directory, a key directory and, on PostgreSQL, the data database's URL."""

    data_dir: Path
    key_dir: Path
    database_url: str | None = None

    def env(self) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PLEDGE_", "DJANGO_", "DATABASE_URL"))
        }
        env.update(
            PLEDGE_DATA_DIR=str(self.data_dir),
            PLEDGE_KEY_DIR=str(self.key_dir),
            PLEDGE_TESTING="1",  # installs tests.vaultcases (dossiers, ledger entries)
            PLEDGE_SECRET_KEY="crash-test-only",
            PLEDGE_POLICY=str(REPO / "policies" / "japan-centre.yaml"),
            DJANGO_SETTINGS_MODULE="pledge.settings",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *commands: tuple[str, ...]) -> list[str]:
        """Run ``python -m`` commands side by side; each must succeed. Their outputs."""
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=REPO,
                env=self.env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in commands
        ]
        outputs = []
        for args, process in zip(commands, processes, strict=True):
            stdout, stderr = process.communicate(timeout=600)
            assert process.returncode == 0, f"{' '.join(args)} failed:\n{stdout}\n{stderr}"
            outputs.append(stdout)
        return outputs

    @property
    def name(self) -> str:
        assert self.database_url
        return urlsplit(self.database_url).path.lstrip("/")


class Backend:
    """Makes the site once, then puts it back as it was made before every sweep.

    SQLite: the files are copied from the template directories. PostgreSQL: each database
    keeps a copy of every table in a schema of its own, and the reset empties the tables and
    fills them again from it, sequences included, in one transaction. A database made per
    sweep (``CREATE DATABASE ... TEMPLATE``) gives the same copies, but dropping one forces a
    checkpoint and every new database starts with cold caches: on the shared test machine
    that made a run of fifty kills take over four minutes, against about one this way.
    """

    def __init__(self, root: Path) -> None:
        self.url = _postgres_url()
        self.template = Site(root / "template-data", root / "template-keys")
        if self.url:
            base = urlsplit(self.url).path.lstrip("/") or "pledge"
            self.site = Site(root / "data", root / "keys", _with_name(self.url, f"{base}_site"))
        else:
            self.site = Site(root / "data", root / "keys")
        self.label = "postgresql" if self.url else "sqlite"
        self._sequences: dict[str, list[tuple[str, int | None]]] = {}

    def _connect(self, name: str):  # type: ignore[no-untyped-def]
        import psycopg

        assert self.url
        return psycopg.connect(_with_name(self.url, name), autocommit=True)

    def _databases(self) -> list[str]:
        return [self.site.name, f"{self.site.name}_keys"]

    def prepare(self) -> None:
        """Migrate both databases and seed them, as an operator's first run would."""
        if self.url:
            with self._connect("postgres") as admin:
                for name in self._databases():
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    admin.execute(f'CREATE DATABASE "{name}"')
        made = Site(self.template.data_dir, self.template.key_dir, self.site.database_url)
        quiet = ("--verbosity", "0", "--skip-checks")
        made.run(
            ("pledge.cli", "migrate", "--run-syncdb", *quiet),
            ("pledge.cli", "migrate", "--database", "keys", *quiet),
        )
        made.run((DRIVER, "seed", *SEED_ARGS))
        for name in self._databases() if self.url else ():
            with self._connect(name) as db:
                db.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE")
                db.execute(f"CREATE SCHEMA {SNAPSHOT}")
                for table in _tables(db):
                    db.execute(f'CREATE TABLE {SNAPSHOT}."{table}" AS TABLE public."{table}"')
                self._sequences[name] = db.execute(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
                ).fetchall()

    def reset(self) -> None:
        """The site becomes a fresh copy of what ``prepare`` made."""
        for source, target in (
            (self.template.data_dir, self.site.data_dir),
            (self.template.key_dir, self.site.key_dir),
        ):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        for name in self._databases() if self.url else ():
            with self._connect(name) as db, db.transaction():
                # A killed worker's server process may not have noticed yet; it must go first.
                db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                # Triggers off for this transaction: the audit table's refuse DELETE, and the
                # foreign keys' would check rows the snapshot already had consistent. DELETE,
                # not TRUNCATE: a new file per table and index costs seconds a reset.
                db.execute("SET LOCAL session_replication_role = replica")
                for table in _tables(db):
                    db.execute(f'DELETE FROM public."{table}"')
                    db.execute(f'INSERT INTO public."{table}" SELECT * FROM {SNAPSHOT}."{table}"')
                for sequence, value in self._sequences[name]:
                    db.execute(
                        "SELECT setval(%s::regclass, %s, %s)",
                        [f'public."{sequence}"', value or 1, value is not None],
                    )

    def drop(self) -> None:
        if self.url:
            with self._connect("postgres") as admin:
                for name in self._databases():
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(db) -> list[str]:  # type: ignore[no-untyped-def]
    rows = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return [row[0] for row in rows.fetchall()]


def _postgres_unavailable(url: str) -> str | None:
    try:
        import psycopg

        psycopg.connect(_with_name(url, "postgres"), connect_timeout=3).close()
    except Exception as exc:  # any failure means: no server to test against
        return str(exc).strip()
    return None


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    url = _postgres_url()
    if url and (reason := _postgres_unavailable(url)):
        pytest.skip(f"PostgreSQL crash test needs a server: {reason}")
    backend = Backend(tmp_path_factory.mktemp("sweep-crash"))
    try:
        backend.prepare()
        yield backend
    finally:
        backend.drop()


# --- the driver's workers ------------------------------------------------------------------------


class Workers:
    """The driver's fork server: each command line becomes one worker process.

    Forking from a process that has already imported Django saves a second or more per
    worker, which is what makes fifty kills affordable; the server itself never opens a
    database, so each worker starts as clean as a new process would.
    """

    def __init__(self, site: Site, log: Path):
        self.log = log
        self._stderr = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", DRIVER, "serve"],
            cwd=REPO,
            env=site.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
        )
        self.current: Worker | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_line(self) -> str:
        try:
            line = self._lines.get(timeout=LINE_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"the driver said nothing for {LINE_TIMEOUT}s") from None
        if line is None:
            raise AssertionError(f"the driver ended:\n{self.log.read_text()[-4000:]}")
        return line

    def start(self, command: str) -> Worker:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        words = self.next_line().split()
        assert words[0] == "PID", words
        self.current = Worker(self, int(words[1]))
        return self.current

    def run(self, command: str) -> Worker:
        """A worker that must finish on its own, successfully."""
        worker = self.start(command)
        worker.wait()
        assert worker.exit == "code 0", f"{command}: {worker.exit}\n{self.log.read_text()[-4000:]}"
        return worker

    def close(self) -> None:
        if self.current is not None and self.current.exit is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.current.pid, signal.SIGKILL)
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()


@dataclass
class Worker:
    """One forked worker and everything it said before it ended."""

    workers: Workers
    pid: int
    lines: list[str] = field(default_factory=list)
    exit: str | None = None

    def until(self, word: str) -> None:
        """Read until a line starting with ``word``; fail if the worker ends first."""
        while True:
            line = self.workers.next_line()
            words = line.split(maxsplit=2)
            if words[0] == "EXIT" and int(words[1]) == self.pid:
                self.exit = words[2]
                raise AssertionError(
                    f"worker {self.pid} ended ({self.exit}) before {word}:\n"
                    + "\n".join(self.lines[-5:])
                    + f"\n{self.workers.log.read_text()[-4000:]}"
                )
            self.lines.append(line)
            if words[0] == word:
                return

    def wait(self) -> None:
        while self.exit is None:
            line = self.workers.next_line()
            words = line.split(maxsplit=2)
            if words[0] == "EXIT" and int(words[1]) == self.pid:
                self.exit = words[2]
            else:
                self.lines.append(line)

    def kill_after(self, delay: float) -> None:
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):  # it had already finished on its own
            os.kill(self.pid, signal.SIGKILL)
        self.wait()

    @property
    def killed(self) -> bool:
        return self.exit == f"signal {signal.SIGKILL.value}"

    def check(self) -> dict[str, Any]:
        return json.loads(next(line for line in self.lines if line.startswith("CHECK "))[6:])

    def said(self, word: str) -> list[list[str]]:
        return [line.split() for line in self.lines if line.split()[0] == word]


@pytest.fixture
def workers(backend: Backend, tmp_path: Path) -> Iterator[Workers]:
    server = Workers(backend.site, tmp_path / "driver.log")
    yield server
    server.close()


# --- the test ------------------------------------------------------------------------------------


def _where(worker: Worker, batches: int) -> str:
    """Where a kill landed, from what the killed worker said before it died."""
    done = [int(words[1]) for words in worker.said("BATCH")]
    if worker.said("DONE"):
        return "after the sweep returned"
    if not done:
        return "before the first batch committed"
    if max(done) == batches:
        return "after the last batch committed"
    return "between the first and the last batch"


def _comparable(check: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in check.items() if name not in RUN_RECORDS}


@pytest.mark.clause("AL11")
@pytest.mark.clause("AL12")
def test_a_sweep_killed_at_any_point_and_run_again_ends_as_an_uninterrupted_one(
    backend: Backend, workers: Workers
) -> None:
    # Given a site whose holders all have due and not-yet-due records, and the state an
    # uninterrupted sweep of a fresh copy leaves behind
    backend.reset()
    reference = workers.run(f"sweep --check --batch {BATCH}")
    expected = _comparable(reference.check())
    batches = len(reference.said("BATCH"))
    shreds = len(reference.said("SHRED"))
    duration = float(reference.said("BATCH")[-1][2])  # from READY to the last commit
    assert expected["audit_ok"] and batches >= 15 and shreds >= 2, (batches, shreds)
    assert expected["free_pages"] in (None, 0), "the sweep gives deleted pages back (SQLite)"
    assert expected["rows_audited"] == int(reference.said("DONE")[0][1]) > 0
    rng = random.Random(RANDOM_SEED)
    targeted = [f"boundary:{rng.randint(1, batches - 1)}" for _ in range(TARGETED_KILLS)]
    targeted += [f"mid:{rng.randint(1, batches)}" for _ in range(TARGETED_KILLS)]
    targeted += [f"shred:{n}" for n in range(1, shreds + 1)]
    stats: Counter[str] = Counter()
    phases: Counter[str] = Counter()
    started = time.perf_counter()

    def sweep_killed(die_at: str | None) -> None:
        """One fresh copy, a sweep killed on it, a rerun to the end, and the comparison."""
        clock = time.perf_counter()

        def lap(phase: str) -> None:
            nonlocal clock
            phases[phase] += time.perf_counter() - clock
            clock = time.perf_counter()

        backend.reset()
        lap("reset")
        if die_at is None:
            worker = workers.start(f"sweep --batch {BATCH}")
            worker.until("READY")
            worker.kill_after(rng.uniform(0, pace * duration))
        else:
            worker = workers.start(f"sweep --batch {BATCH} --die-at {die_at}")
            worker.wait()
            assert worker.killed, f"{die_at}: {worker.exit}"
            if committed := worker.said("BATCH"):
                number, seconds = int(committed[-1][1]), float(committed[-1][2])
                paces.append(seconds / reached[number])
        lap("killed sweep")
        kind = "random" if die_at is None else "targeted"
        stats[f"{kind}: {_where(worker, batches)}" if worker.killed else "random: not killed"] += 1
        rerun = workers.run(f"sweep --check --batch {BATCH}")
        lap("rerun and report")

        # Then the rerun completes, and leaves exactly what the uninterrupted sweep left: the
        # same rows in every holder, the same keys, shred journal, audit events and statistics
        check = rerun.check()
        assert _comparable(check) == expected, f"after a kill ({die_at or 'random'}): {check}"
        runs = check["sweeps_finished"] + check["sweeps_unfinished"]
        assert check["sweeps_finished"] >= 1 and runs <= 2, check

    # When a worker sweeping a fresh copy is killed with SIGKILL at an exact point, or at a
    # random moment (until at least fifty were killed), and a second worker then sweeps the
    # same copy to the end
    # How fast the workers go against the reference, which ran on a cold site: the time each
    # targeted worker took to its last commit over the time the reference took to the same.
    reached = {int(words[1]): float(words[2]) for words in reference.said("BATCH")}
    paces: list[float] = []
    pace = 1.0
    for die_at in targeted:
        sweep_killed(die_at)
    pace = statistics.median(paces or [pace])
    tries = 0
    while tries < RANDOM_KILLS or (stats.total() - stats["random: not killed"] < MINIMUM_KILLS):
        assert tries < 3 * RANDOM_KILLS, f"too few random kills landed: {stats}"
        sweep_killed(None)
        tries += 1

    # and at least fifty of the workers were killed, most of them in the middle of the work
    print(
        f"\nsweep kills ({backend.label}; reference sweep {duration:.2f}s, {batches} batches; "
        f"{pace * duration:.2f}s warm; "
        f"{stats.total()} sweeps killed and rerun in {time.perf_counter() - started:.0f}s):"
    )
    for label, count in sorted(stats.items()):
        print(f"  {count:3d}  {label}")
    print("  time: " + ", ".join(f"{phase} {seconds:.0f}s" for phase, seconds in phases.items()))
    killed = sum(n for label, n in stats.items() if label != "random: not killed")
    assert killed >= MINIMUM_KILLS, stats
    assert stats["random: between the first and the last batch"] >= RANDOM_KILLS // 3, stats
    # and the audit trail of the last site verifies with the operator's own command
    out = backend.site.run(("pledge.cli", "audit", "verify"))[0]
    assert out.startswith("audit chain intact"), out
