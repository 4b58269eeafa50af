"""Two requests for one person at the same moment run one after the other.

Real processes with their own connections, started together, on a database file (SQLite) or
the test database (PostgreSQL): what is tested is the lock the database enforces, the row lock
on the subject (``select_for_update``) on PostgreSQL and the immediate transaction on SQLite.
Without it, both would find the same rows, and both would report and audit their erasure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]

MIGRATE = """
import django
django.setup()
from django.core.management import call_command
for database in ("default", "keys"):
    call_command("migrate", database=database, interactive=False, verbosity=0)
"""

SEED = """
import datetime as dt, json, django
django.setup()
from pledge.rights.services import request_open
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_for_email
from tests.vaultcases.models import Dossier
for email in ("twice@example.jp", "both@example.jp"):
    subject = subject_for_email(email=email, kind=SubjectKind.CORRESPONDENT)
    for n in range(3):
        Dossier.objects.create(subject=subject, received_at=dt.datetime.now(dt.UTC), body=f"{n}")
opened = request_open(email="twice@example.jp", kind="erasure")
print(json.dumps({"id": str(opened.request.pk), "token": opened.token}))
"""

FOLLOW = """
import json, sys, time, uuid
from pathlib import Path
import django
django.setup()
from pledge.rights.links import LinkRefused
from pledge.rights.services import erasure_answer, request_verify
ready, go, link = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.002)
try:
    verified = request_verify(request_id=uuid.UUID(link["id"]), token=link["token"])
except LinkRefused as refused:
    print(json.dumps({"refused": refused.why}))
else:
    print(json.dumps({"rows": erasure_answer(request=verified.request)}))
"""

ERASE = """
import io, sys, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.002)
out = io.StringIO()
call_command("rights", "erase", "--email", "both@example.jp", "--out", sys.argv[3], stdout=out)
print(out.getvalue())
"""

EVENTS = """
import json, django
django.setup()
from pledge.audit.models import AuditEvent
from pledge.audit.selectors import audit_verify
erased = AuditEvent.objects.filter(action="subject.erased", category="user.correspondence")
counts = list(erased.values_list("count", flat=True))
print(json.dumps({"ok": audit_verify().ok, "erasures": counts}))
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pledge.settings", "PYTHONPATH": str(REPO)}
    env.pop("PLEDGE_POLICY", None)  # japan-centre, the default
    if connection.vendor == "postgresql":
        # The test databases pytest-django made (data, and keys beside it); the master key is
        # the test run's own. Committed rows are flushed after the test.
        s = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or 'localhost'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}"
        )
        return env
    env.pop("DATABASE_URL", None)
    env |= {"PLEDGE_DATA_DIR": str(tmp_path / "data"), "PLEDGE_KEY_DIR": str(tmp_path / "keys")}
    _run(["-c", MIGRATE], env)
    return env


def _run(arguments: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *arguments], env=env, cwd=REPO, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _race(script: str, argv: list[list[str]], env: dict[str, str], tmp_path: Path) -> list[str]:
    """Start one process per argument list, let them all go at once, return their outputs."""
    go = tmp_path / f"go-{time.monotonic_ns()}"
    ready = [tmp_path / f"ready-{n}-{go.name}" for n in range(len(argv))]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(flag), str(go), *args], env=env, cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for flag, args in zip(ready, argv, strict=True)
    ]  # fmt: skip
    deadline = time.monotonic() + 120
    while not all(flag.exists() for flag in ready):
        assert time.monotonic() < deadline, "the racers never started"
        assert all(r.poll() is None for r in racers), [r.communicate()[0] for r in racers]
        time.sleep(0.01)
    go.touch()
    outputs = []
    for racer in racers:
        output, _ = racer.communicate(timeout=300)
        assert racer.returncode == 0, output
        outputs.append(output)
    return outputs


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_person_are_serialised(tmp_path):
    env = _environment(tmp_path)
    link = _run(["-c", SEED], env).strip().splitlines()[-1]

    # given one erasure link followed twice at the same moment (a doubled click, two tabs)
    followed = [
        json.loads(out.strip().splitlines()[-1])
        for out in _race(FOLLOW, [[link]] * 2, env, tmp_path)
    ]
    # then one follows it and erases; the other finds the link used
    assert sorted(followed, key=str) == sorted(
        [{"refused": "used"}, {"rows": followed[0].get("rows") or followed[1].get("rows")}],
        key=str,
    )
    (rows,) = [f["rows"] for f in followed if "rows" in f]
    assert {r["category"]: r["count"] for r in rows if r["status"] == "erased"} == {
        "user.correspondence": 3
    }

    # given two written erasure requests for another person, entered at the same moment
    outputs = _race(ERASE, [[str(tmp_path / "a")], [str(tmp_path / "b")]], env, tmp_path)
    # then exactly one erases their letters; the other finds nothing left (or no one)
    erased = [o for o in outputs if "Your emails and enquiries: erased (3 records)" in o]
    assert len(erased) == 1, outputs

    # and the audit trail holds one erasure of each person's letters, and is intact
    events = json.loads(_run(["-c", EVENTS], env).strip().splitlines()[-1])
    assert events == {"ok": True, "erasures": [3, 3]}
