"""Two processes appending at once leave one chain, not two.

Real processes with their own connections, on a database file (SQLite, whose in-memory test
database no other process can open) or on the test database (PostgreSQL), so what is tested is
the lock the database itself enforces: BEGIN IMMEDIATE, or the advisory lock.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
EACH = 200

WRITER = """
import sys, time
from pathlib import Path
import django
django.setup()
from pledge.audit.services import audit_record
name, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ready.touch()
deadline = time.monotonic() + 60
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.002)
for n in range(int(sys.argv[4])):
    audit_record(action="test.appended", count=n, actor="writer:" + name)
    time.sleep(0.0005)  # a real writer does other work between events
"""

ACTORS = """
import json, django
django.setup()
from pledge.audit.models import AuditEvent
print(json.dumps(list(AuditEvent.objects.order_by("sequence").values_list("actor", "count"))))
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pledge.settings", "PYTHONPATH": str(REPO)}
    if connection.vendor == "postgresql":
        # The test database pytest-django made; committed rows are flushed after the test.
        s = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or 'localhost'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}"
        )
        return env
    env.pop("DATABASE_URL", None)
    env |= {"PLEDGE_DATA_DIR": str(tmp_path / "data"), "PLEDGE_KEY_DIR": str(tmp_path / "keys")}
    _run(["-m", "pledge.cli", "migrate", "--noinput", "--skip-checks"], env)
    return env


def _run(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, *arguments], env=env, cwd=REPO, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_leave_one_intact_chain(tmp_path):
    # given two writer processes, started together
    env = _environment(tmp_path)
    go = tmp_path / "go"
    writers = {
        name: subprocess.Popen(
            [sys.executable, "-c", WRITER, name, str(tmp_path / name), str(go), str(EACH)],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("a", "b")
    }
    deadline = time.monotonic() + 120
    while not all((tmp_path / name).exists() for name in writers):
        assert time.monotonic() < deadline, "the writers never started"
        assert all(w.poll() is None for w in writers.values()), "a writer died while starting"
        time.sleep(0.01)
    # when each appends 200 events at the same time
    go.touch()
    for name, writer in writers.items():
        output, _ = writer.communicate(timeout=300)
        assert writer.returncode == 0, f"writer {name} failed:\n{output}"
    # then `pledge audit verify` finds one intact chain of 400 events
    verified = _run(["-m", "pledge.cli", "audit", "verify"], env)
    assert verified.stdout.splitlines()[0] == f"audit chain intact: {2 * EACH} events"
    # and each writer's events are all there, in its own order, interleaved with the other's
    events = json.loads(_run(["-c", ACTORS], env).stdout)
    for name in writers:
        assert [n for actor, n in events if actor == f"writer:{name}"] == list(range(EACH))
    turns = sum(1 for a, b in itertools.pairwise(events) if a[0] != b[0])
    assert turns > 2, "the writers never overlapped, so nothing was tested"
