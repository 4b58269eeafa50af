"""Crash safety of the vault: real processes killed with SIGKILL in the middle of the work.

The issue's promise: a crash in the middle of a master-key rotation or a shred leaves every key
old-and-valid or new-and-valid. An interrupted rotation must leave the data readable under
exactly one master key (AL13: the old key is then destroyed, or the new one never used); an
interrupted shred must leave each key either there, or gone with its journal entry, never one
without the other (AL12: what was shredded stays unreadable, and a restore can replay it).

Each test builds a real site on disk (SQLite files, or PostgreSQL databases made for the test),
fills it through the driver (``tests.vault.crash_driver``), then starts workers that rotate or
shred in a loop and kills them with SIGKILL after a seeded random delay spread over one
operation's measured duration. The worker started after each kill first checks what the killed
one left, the way the next ``pledge`` command would find it, and only then starts work itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DRIVER = "tests.vault.crash_driver"
SUBJECTS = 300
KILLS = 30
RANDOM_SEED = 20260401
LINE_TIMEOUT = 120.0  # seconds without a word from the driver before the test gives up
POSTGRES = "postgres://postgres@127.0.0.1:5432"


# --- sites and the processes that work on them -------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A data directory, a key directory and, on PostgreSQL, the data database's URL."""

    data_dir: Path
    key_dir: Path
    database_url: str | None = None

    def env(self) -> dict[str, str]:
        # Nothing of the test run's own environment (its data and key directories) leaks in.
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PLEDGE_", "DJANGO_", "DATABASE_URL"))
        }
        env.update(
            PLEDGE_DATA_DIR=str(self.data_dir),
            PLEDGE_KEY_DIR=str(self.key_dir),
            PLEDGE_TESTING="1",  # installs tests.vaultcases, whose models hold the data
            PLEDGE_SECRET_KEY="crash-test-only",  # else a secret file joins the key directory
            DJANGO_SETTINGS_MODULE="pledge.settings",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str) -> None:
        self.run_together([args])

    def run_together(self, commands: list[tuple[str, ...]]) -> None:
        """Run ``python -m`` commands side by side; each must succeed."""
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
        for args, process in zip(commands, processes, strict=True):
            _, stderr = process.communicate(timeout=300)
            assert process.returncode == 0, f"{' '.join(args)} failed:\n{stderr}"

    def prepare(self, subjects: int = SUBJECTS) -> None:
        """Migrate both databases and seed the subjects, as an operator's first run would.

        The two databases are separate (files or PostgreSQL databases), so they migrate at
        the same time. System checks are skipped: they judge the whole project (another app's
        unfinished datamap declarations, say), not whether the vault survives a kill.
        """
        quiet = ("--verbosity", "0", "--skip-checks")
        self.run_together(
            [
                ("pledge.cli", "migrate", "--run-syncdb", *quiet),
                ("pledge.cli", "migrate", "--database", "keys", *quiet),
            ]
        )
        self.run(DRIVER, "seed", "--subjects", str(subjects))

    def copy(self, to: Path) -> Site:
        shutil.copytree(self.data_dir, to / "data")
        shutil.copytree(self.key_dir, to / "keys")
        return Site(to / "data", to / "keys")


class Workers:
    """The driver's fork server: each command line becomes one worker process.

    Forking from a process that has already imported Django saves about a second per worker,
    which is what makes 30 kills per test affordable; the server itself never touches a
    database or a key, so each worker starts as clean as a new process would.
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
        """Stop the server; a worker still looping (the test failed half-way) is killed first."""
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

    def until(self, word: str) -> list[str]:
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
                return words

    def wait(self) -> None:
        while self.exit is None:
            try:
                line = self.workers.next_line()
            except AssertionError as exc:
                raise AssertionError(f"worker {self.pid} after {self.lines[-5:]}: {exc}") from None
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

    def check(self) -> dict[str, Any]:
        return json.loads(next(line for line in self.lines if line.startswith("CHECK "))[6:])

    def events(self) -> list[list[str]]:
        """START / END lines of the loop, split into words."""
        return [line.split() for line in self.lines if line.startswith(("START ", "END "))]

    def last_event(self) -> list[str]:
        return (self.events() or [["READY"]])[-1]

    def durations(self) -> list[float]:
        return [float(words[2]) for words in self.events() if words[0] == "END"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """One migrated and seeded SQLite site per module; each test works on a copy of it."""
    root = tmp_path_factory.mktemp("crash-template")
    site = Site(root / "data", root / "keys")
    site.prepare()
    return site


@pytest.fixture
def sqlite_site(template: Site, tmp_path: Path) -> Site:
    return template.copy(tmp_path)


def _postgres_available() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    for tool in ("createdb", "dropdb", "pg_isready"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    ready = subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-t", "3"], capture_output=True
    )
    return None if ready.returncode == 0 else "no PostgreSQL server on 127.0.0.1:5432"


@pytest.fixture
def postgresql_site(tmp_path: Path) -> Iterator[Site]:
    """Fresh data and key databases (<name> and <name>_keys), dropped afterwards."""
    reason = _postgres_available()
    if reason is not None:
        pytest.skip(f"PostgreSQL crash test needs a server: {reason}")
    name = f"pledge_crash_{uuid.uuid4().hex[:12]}"
    created: list[str] = []
    try:
        for database in (name, f"{name}_keys"):
            subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", database],
                check=True,
                capture_output=True,
            )
            created.append(database)
        site = Site(tmp_path / "data", tmp_path / "keys", f"{POSTGRES}/{name}")
        site.prepare()
        yield site
    finally:
        for database in created:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", database],
                capture_output=True,
            )


@pytest.fixture(params=["sqlite", "postgresql"])
def rotation_site(request: pytest.FixtureRequest) -> Site:
    return request.getfixturevalue(f"{request.param}_site")


@pytest.fixture
def workers() -> Iterator[list[Workers]]:
    """Fork servers started by the test, stopped (with any worker of theirs) afterwards."""
    started: list[Workers] = []
    yield started
    for server in started:
        server.close()


def _start(workers: list[Workers], site: Site, log: Path) -> Workers:
    server = Workers(site, log)
    workers.append(server)
    return server


def _report(title: str, stats: Counter[str]) -> None:
    """Kill statistics, printed so ``pytest -s`` (or -rP) shows where the kills landed."""
    print(f"\n{title}:")
    for label, count in sorted(stats.items()):
        print(f"  {count:3d}  {label}")


# --- rotation ---------------------------------------------------------------------------------


def _assert_rotation_recovered(check: dict[str, Any]) -> None:
    """What every process must find after a killed rotation, once ``master.current()`` ran."""
    assert check["master_error"] is None, check
    assert check["state_after"] == check["state_before"], "recovery must not change the key"
    assert check["current"] == check["state_before"]
    assert check["files_after"] == [check["current"]], "exactly one master key file remains"
    assert check["keys"] == 2 * SUBJECTS + 1  # two per subject, and the blind index's
    assert check["keys_under_another_master"] == 0
    assert check["keys_unopenable"] == 0
    assert check["records"] in (SUBJECTS, 2 * SUBJECTS)  # letters; and payments when full
    assert check["records_wrong"] == 0


def _classify_rotation_kill(worker: Worker, known: str, check: dict[str, Any]) -> str:
    """Where the kill landed, told from what the worker said and what it left on disk.

    ``known`` is the master key id that was current when the rotation in flight began.
    """
    stray = set(check["files_before"]) - {check["state_before"]}
    if worker.last_event()[0] != "START":
        assert not stray, f"no rotation was in flight, yet files were left: {stray}"
        return "between rotations"
    if check["state_before"] == known:
        assert len(stray) <= 1, "a rolled-back rotation leaves at most its own new file"
        if stray:
            return "mid-rotation: not committed, new key file left (rolled back)"
        return "mid-rotation: not committed, no new key file yet"
    assert stray <= {known}, "a committed rotation can leave only the old key's file"
    if stray:
        return "mid-rotation: committed, old key file not yet destroyed"
    return "mid-rotation: committed and old key destroyed, not yet reported"


TARGETED_ROTATION_KILLS = {
    "after-new-key-file": "mid-rotation: not committed, new key file left (rolled back)",
    "after-rotation-commit": "mid-rotation: committed, old key file not yet destroyed",
}


@pytest.mark.clause("AL13")
def test_a_rotation_killed_at_any_point_leaves_every_key_old_and_valid_or_new_and_valid(
    rotation_site: Site, workers: list[Workers], tmp_path: Path
) -> None:
    # Given a site whose 300 subjects each have a letter and a payment under one master key,
    # and how long one rotation takes there
    server = _start(workers, rotation_site, tmp_path / "driver.log")
    measured = server.run("rotate --check --count 3")
    _assert_rotation_recovered(measured.check())
    rotation = max(measured.durations())
    rng = random.Random(RANDOM_SEED)
    plan: list[float | str] = [rng.uniform(0, 1.5 * rotation) for _ in range(KILLS)]
    # the two points a random kill seldom hits, each hit once for certain
    plan += list(TARGETED_ROTATION_KILLS)
    stats: Counter[str] = Counter()
    killed: tuple[Worker, str, float | str] | None = None

    def classify(check: dict[str, Any]) -> None:
        if killed is None:
            return
        worker, known, step = killed
        for words in worker.events():  # rotations it finished before the kill
            if words[0] == "END":
                known = words[4]
        label = _classify_rotation_kill(worker, known, check)
        if isinstance(step, str):
            assert label == TARGETED_ROTATION_KILLS[step]
            label = f"targeted ({step}): {label}"
        stats[label] += 1

    # When a rotating worker is killed with SIGKILL at a random point, 30 times, each kill
    # followed by a new worker that checks what it left before it starts rotating itself
    for step in plan:
        command = "rotate --check" if isinstance(step, float) else f"rotate --check --die-at {step}"
        worker = server.start(command)
        worker.until("READY")
        check = worker.check()
        # Then it finds exactly one master key file once master.current() has run, the one
        # the key database names, every data key opens under it and every record reads back
        _assert_rotation_recovered(check)
        classify(check)
        if isinstance(step, float):
            worker.kill_after(step)
        else:
            worker.wait()
        assert worker.exit == f"signal {signal.SIGKILL.value}", worker.exit
        killed = (worker, check["current"], step)
    final = server.run("check-rotation").check()
    _assert_rotation_recovered(final)
    assert final["records"] == 2 * SUBJECTS
    classify(final)

    # and the kills really landed inside rotations, most of them with two key files on disk
    _report(f"rotation kills ({rotation_site.database_url or 'sqlite'})", stats)
    mid = sum(n for label, n in stats.items() if label.startswith("mid-rotation"))
    assert mid >= KILLS * 2 // 3, f"only {mid} of {KILLS} random kills landed inside a rotation"
    assert stats["mid-rotation: not committed, new key file left (rolled back)"] >= KILLS // 3


@pytest.mark.clause("AL13")
def test_an_interrupt_just_after_a_rotation_commits_keeps_the_new_key(
    sqlite_site: Site, workers: list[Workers], tmp_path: Path
) -> None:
    # Given a rotation whose key database has committed the new key when Ctrl-C arrives
    server = _start(workers, sqlite_site, tmp_path / "driver.log")
    before = server.run("check-rotation").check()["current"]

    # When the KeyboardInterrupt unwinds the rotation
    interrupted = server.start("rotate --count 1 --die-at interrupt-after-rotation-commit")
    interrupted.wait()

    # Then the key the database now names is the one file left, and everything opens under it
    assert interrupted.exit == "code 1"  # the interrupt reached the top, as Ctrl-C does
    check = server.run("check-rotation").check()
    assert check["state_before"] != before
    assert check["files_before"] == [check["state_before"]]  # settled before it exited
    _assert_rotation_recovered(check)


@pytest.mark.clause("AL13")
def test_a_process_that_loaded_the_key_before_a_rotation_writes_keys_that_still_open(
    sqlite_site: Site, workers: list[Workers], tmp_path: Path
) -> None:
    # Given a long-running process (a server) that read the master key, then another process
    # that rotates it and destroys the old one
    server = _start(workers, sqlite_site, tmp_path / "driver.log")
    writer = subprocess.Popen(
        [sys.executable, "-m", DRIVER, "stale-writer"],
        cwd=REPO,
        env=sqlite_site.env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdin is not None and writer.stdout is not None
        loaded = writer.stdout.readline().split()
        assert loaded[0] == "READY"
        server.run("rotate --count 1")

        # When the first process then takes in a new customer's letter and payment
        writer.stdin.write("go\n")
        writer.stdin.close()
        assert writer.stdout.readline().startswith("WROTE")
        assert writer.wait(timeout=60) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()

    # Then their keys are wrapped under the current master key, and open after a restart
    check = server.run("check-rotation").check()
    assert check["current"] != loaded[1]
    assert check["keys"] == 2 * (SUBJECTS + 1) + 1
    assert check["keys_under_another_master"] == 0
    assert check["keys_unopenable"] == 0
    assert check["records"] == 2 * (SUBJECTS + 1)
    assert check["records_wrong"] == 0


# --- shredding --------------------------------------------------------------------------------


def _assert_shred_consistent(check: dict[str, Any]) -> None:
    """Every subject intact or shredded, every shredded key journaled once, reruns complete."""
    assert check["violation_count"] == 0, check["violations"]
    assert check["intact"] + len(check["erased"]) == check["subjects"] == SUBJECTS
    assert check["rerun_completed"] == len(check["half_done"])


@pytest.mark.clause("AL12")
def test_a_shred_killed_at_any_point_leaves_each_key_there_or_gone_with_its_journal_entry(
    sqlite_site: Site, workers: list[Workers], tmp_path: Path
) -> None:
    # Given a site of 300 subjects, and how long shredding one subject's keys takes there
    server = _start(workers, sqlite_site, tmp_path / "driver.log")
    measured = server.run("shred --check --count 5")
    _assert_shred_consistent(measured.check())
    shred = max(sorted(measured.durations())[1:])  # the first one warms up
    rng = random.Random(RANDOM_SEED + 1)
    plan: list[float | str] = [rng.uniform(0, 3 * shred) for _ in range(KILLS)]
    # the point a random kill may miss: keys gone and journaled, the data database not told
    plan.append("after-shred-commit")
    stats: Counter[str] = Counter()
    started = finished = {int(words[1]) for words in measured.events() if words[0] == "END"}
    killed: tuple[Worker, float | str] | None = None
    reruns = 0

    def classify(check: dict[str, Any]) -> None:
        nonlocal started, finished, reruns
        if killed is None:
            return
        worker, step = killed
        events = worker.events()
        started = started | {int(words[1]) for words in events if words[0] == "START"}
        finished = finished | {int(words[1]) for words in events if words[0] == "END"}
        in_flight = {int(events[-1][1])} if events and events[-1][0] == "START" else set()
        erased, half_done = set(check["erased"]), set(check["half_done"])
        assert finished <= erased <= started, "exactly the subjects shredded, whole"
        assert half_done <= in_flight, "only the subject in flight can be half done"
        reruns += len(half_done)
        finished = erased
        if isinstance(step, str):
            assert half_done == in_flight != set(), "the targeted kill left a half-done shred"
            label = f"targeted ({step}): keys shredded, data database not yet told"
        elif not in_flight:
            label = "between shreds"
        elif half_done:
            label = "mid-shred: keys shredded, data database not yet told"
        elif in_flight <= erased:
            label = "mid-shred: complete, not yet reported"
        else:
            label = "mid-shred: nothing committed, subject intact"
        stats[label] += 1

    # When a worker shredding subject after subject is killed with SIGKILL at a random point,
    # 30 times, each kill followed by a new worker that checks what it left, reruns the
    # erasure of a half-done subject, and only then starts shredding itself
    for step in plan:
        command = "shred --check" if isinstance(step, float) else f"shred --check --die-at {step}"
        worker = server.start(command)
        worker.until("READY")
        check = worker.check()
        # Then every subject is intact or shredded, never half of one; no key is gone without
        # its journal entry and no entry names a key still there; a rerun completed the rest
        _assert_shred_consistent(check)
        classify(check)
        if isinstance(step, float):
            worker.kill_after(step)
        else:
            worker.wait()
        assert worker.exit == f"signal {signal.SIGKILL.value}", worker.exit
        killed = (worker, step)
    final = server.run("check-shred").check()
    _assert_shred_consistent(final)
    classify(final)
    assert server.run("check-shred").check()["half_done"] == [], "the reruns were lasting"

    _report("shred kills", stats)
    mid = sum(n for label, n in stats.items() if label.startswith("mid-shred"))
    assert mid >= KILLS // 2, f"only {mid} of {KILLS} random kills landed inside a shred"
    assert reruns >= 1
