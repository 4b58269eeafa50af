"""The process that ``test_crash`` kills: seeds a site, rotates or shreds in a loop, checks.

Run as ``python -m tests.vault.crash_driver ACTION`` with the site's environment
(``PLEDGE_DATA_DIR``, ``PLEDGE_KEY_DIR``, ``PLEDGE_TESTING=1``, optionally ``DATABASE_URL``):

- ``seed``: subjects, each with a letter and a payment under keys of their own;
- ``rotate`` / ``shred``: rotate the master key, or shred subject after subject, in a loop
  (``--check`` first reports what the previous process left; ``--die-at`` makes the process
  SIGKILL itself, or raise KeyboardInterrupt, at one exact point);
- ``check-rotation`` / ``check-shred``: only the report, reading every record;
- ``stale-writer``: a long-running process that loaded the master key before a rotation;
- ``serve``: fork one worker per command line on stdin (see ``serve``).

It talks to the test through stdout, one line per event written in one piece, because a
process killed with SIGKILL can say nothing afterwards: what reached the pipe is all there is.

- ``CHECK {json}``: what a fresh process finds on the site (printed before any work starts, so
  it describes exactly what the previous, killed, process left behind);
- ``READY``: the loop starts now (the test starts its kill timer here);
- ``START n`` / ``END n seconds result...``: one rotation or one subject's shred begins / has
  returned (a rotation's result is the old and the new master key id);
- ``DONE``: nothing left to do.

The check never asserts: it reports, and the test decides. Text stored for subject ``n`` is
derived from its number, so any process can tell whether a revealed value is the right one.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import signal
import sys
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

CORRESPONDENCE = "user.correspondence"
PURCHASES = "user.behavior.purchase_history"
CATEGORIES = (CORRESPONDENCE, PURCHASES)
VIOLATIONS_SHOWN = 20
NUMBERS_FILE = "crash-subjects.json"


def body_text(number: int) -> str:
    return f"Letter {number}: please send 2 kg of sencha to the usual address."


def payer_text(number: int) -> str:
    return f"Customer number {number}"


def email_of(number: int) -> str:
    return f"customer{number}@example.jp"


def _say(*words: object) -> None:
    # One write of the whole line: print() writes each word separately when stdout is
    # unbuffered (PYTHONUNBUFFERED), and a kill between two writes would leave half a line.
    sys.stdout.write(" ".join(map(str, words)) + "\n")
    sys.stdout.flush()


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
    import django

    django.setup()


# --- seeding ---------------------------------------------------------------------------------


def seed(subjects: int) -> dict[str, Any]:
    """Subjects 0..n-1, each with a letter (correspondence key) and a payment (purchase key)."""
    import datetime as dt

    from django.conf import settings
    from django.db import transaction

    from pledge.vault.models import SubjectKind
    from pledge.vault.services import subject_create
    from tests.vaultcases.models import Dossier, LedgerEntry

    received = dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.UTC)
    started = time.perf_counter()
    numbers: dict[str, int] = {}
    for start in range(0, subjects, 50):
        with transaction.atomic():
            for number in range(start, min(start + 50, subjects)):
                subject = subject_create(kind=SubjectKind.CUSTOMER, email=email_of(number))
                numbers[str(subject.id)] = number
                Dossier.objects.create(
                    subject=subject, received_at=received, body=body_text(number)
                )
                LedgerEntry.objects.create(
                    subject=subject, completed_at=received, amount="12.50", payer=payer_text(number)
                )
    (settings.DATA_DIR / NUMBERS_FILE).write_text(json.dumps(numbers))
    return {"subjects": subjects, "seconds": round(time.perf_counter() - started, 3)}


# --- checks ----------------------------------------------------------------------------------


def check_rotation(*, full: bool = False) -> dict[str, Any]:
    """What an interrupted rotation left: key files, the state, and whether everything opens.

    Files and state are read before ``master.current()`` runs, because that call is the
    recovery step (it removes stray files) and the test wants to see what it recovered from.
    Every data key is unwrapped and every letter revealed; payments, whose keys were just
    unwrapped too, are revealed only when ``full`` (the last check), to keep each kill cheap.
    """
    from pledge.vault import crypto, master
    from pledge.vault.fields import TamperedField
    from pledge.vault.models import DataKey, MasterState
    from pledge.vault.routers import KEYS
    from tests.vaultcases.models import Dossier, LedgerEntry

    directory = master._directory()
    files_before = sorted(p.stem for p in directory.glob("*.key"))
    state_before = MasterState.objects.using(KEYS).get(pk=1).master_id
    try:
        current = master.current(refresh=True)
    except master.MasterKeyError as exc:
        return {
            "master_error": str(exc),
            "files_before": files_before,
            "state_before": state_before,
        }
    files_after = sorted(p.stem for p in directory.glob("*.key"))
    state_after = MasterState.objects.using(KEYS).get(pk=1).master_id

    keys = other_master = unopenable = 0
    for data_key in DataKey.objects.using(KEYS).iterator():
        keys += 1
        if data_key.master_id != current.id:
            other_master += 1
            continue
        try:
            plain = master.unwrap(data_key, master=current)
        except master.MasterKeyError:
            unopenable += 1
            continue
        if len(plain) != crypto.KEY_BYTES:
            unopenable += 1

    numbers = _seed_numbers()
    expected = [
        (dossier.body, "service", body_text(numbers[dossier.subject_id]))
        for dossier in Dossier.objects.iterator()
    ]
    if full:
        expected += [
            (entry.payer, "orders", payer_text(numbers[entry.subject_id]))
            for entry in LedgerEntry.objects.iterator()
        ]
    wrong = 0
    for sealed, purpose, text in expected:
        try:
            wrong += sealed.reveal(purpose=purpose) != text
        except (master.MasterKeyError, TamperedField):
            wrong += 1
    return {
        "master_error": None,
        "files_before": files_before,
        "state_before": state_before,
        "current": current.id,
        "state_after": state_after,
        "files_after": files_after,
        "keys": keys,
        "keys_under_another_master": other_master,
        "keys_unopenable": unopenable,
        "records": len(expected),
        "records_wrong": wrong,
    }


def check_shred(*, full: bool = False) -> dict[str, Any]:
    """Every subject intact or shredded, never half a key deletion; half-done erasures rerun.

    A key is "shredded" when its row is gone from the key database; the journal must then hold
    exactly one entry for it, and a key still present must have none. A subject whose keys are
    gone but whose erasure was not yet recorded in the data database (the process died between
    the two databases' commits) is "half done": the check reruns ``subject_shred`` for it, as
    an operator would, and reports whether that completed it. Payments of intact subjects are
    revealed only when ``full`` (their letters always are), to keep each kill cheap.
    """
    from pledge.audit.models import AuditEvent
    from pledge.vault.fields import ERASED
    from pledge.vault.keyring import KeyRef
    from pledge.vault.models import DataKey, ShredEntry, Subject
    from pledge.vault.routers import KEYS
    from pledge.vault.services import subject_shred
    from tests.vaultcases.models import Dossier, LedgerEntry

    present = set(DataKey.objects.using(KEYS).values_list("handle", flat=True))
    journaled = Counter(ShredEntry.objects.using(KEYS).values_list("handle", flat=True))
    numbers = _seed_numbers()
    dossiers = {d.subject_id: d for d in Dossier.objects.iterator()}
    entries = {e.subject_id: e for e in LedgerEntry.objects.iterator()}
    audited = set(
        AuditEvent.objects.filter(action="vault.keys_shredded").values_list("subject", flat=True)
    )
    counts: Counter[str] = Counter()
    violations: list[str] = []
    erased: list[int] = []
    half_done: list[int] = []

    def problem(text: str) -> None:
        counts["violations"] += 1
        if len(violations) < VIOLATIONS_SHOWN:
            violations.append(text)

    for subject in Subject.objects.order_by("created_at", "id"):
        number = numbers[subject.id]
        handles = [KeyRef(category=c, subject=subject.id).handle for c in CATEGORIES]
        kept = [h for h in handles if h in present]
        for handle in handles:
            if handle in present and journaled[handle]:
                problem(f"{handle}: journal entry but the key is still there")
            if handle not in present and journaled[handle] != 1:
                problem(f"{handle}: key gone with {journaled[handle]} journal entries")
        body = dossiers[subject.id].body.reveal(purpose="service")
        payer = entries[subject.id].payer
        if len(kept) == len(handles):
            counts["intact"] += 1
            if body != body_text(number) or (
                full and payer.reveal(purpose="orders") != payer_text(number)
            ):
                problem(f"subject {number}: intact keys but the data does not read back")
            if subject.erased_at is not None or subject.email_index is None:
                problem(f"subject {number}: intact keys but marked erased")
            continue
        if kept:
            problem(f"subject {number}: {len(kept)} of {len(handles)} keys left")
            continue
        erased.append(number)
        if body is not ERASED or payer.reveal(purpose="orders") is not ERASED:
            problem(f"subject {number}: keys shredded but the data still reads")
        if subject.erased_at is None:
            half_done.append(number)
            subject_shred(subject_id=subject.id, reason="crash test rerun")
            subject.refresh_from_db()
            done = AuditEvent.objects.filter(
                action="vault.keys_shredded", subject=subject.id
            ).exists()
            if subject.erased_at is not None and subject.email_index is None and done:
                counts["rerun_completed"] += 1
        elif subject.email_index is not None or subject.id not in audited:
            problem(f"subject {number}: marked erased but the erasure is incomplete")
    return {
        "subjects": len(numbers),
        "intact": counts["intact"],
        "erased": sorted(erased),
        "half_done": sorted(half_done),
        "rerun_completed": counts["rerun_completed"],
        "violation_count": counts["violations"],
        "violations": violations,
    }


def _seed_numbers() -> dict[uuid.UUID, int]:
    """Subject id -> seeding number, from the file ``seed`` wrote beside the data.

    Kept outside the databases because erasure removes what could otherwise tell subjects
    apart (the blind index of the address), and the check must know whom it is looking at.
    """
    from django.conf import settings

    path = settings.DATA_DIR / NUMBERS_FILE
    return {uuid.UUID(k): v for k, v in json.loads(path.read_text()).items()}


# --- loops the test kills --------------------------------------------------------------------


def _loop(steps: Iterable[tuple[str, Callable[[], object]]]) -> None:
    _say("READY")
    for label, step in steps:
        _say("START", label)
        started = time.perf_counter()
        result = step()
        words = result if isinstance(result, tuple) else (result,)
        _say("END", label, f"{time.perf_counter() - started:.6f}", *words)
    _say("DONE")


def rotations(count: int | None) -> Iterator[tuple[str, Callable[[], object]]]:
    from pledge.vault.services import master_rotate

    number = 0
    while count is None or number < count:
        number += 1
        yield str(number), master_rotate


def shreds(limit: int | None) -> list[tuple[str, Callable[[], object]]]:
    """Intact subjects in seeding order, each shredded whole (both of its keys at once).

    A list made before ``READY``, so a kill soon after it lands in a shred, not in this query.
    """
    from functools import partial

    from pledge.vault.models import Subject
    from pledge.vault.services import subject_shred

    numbers = _seed_numbers()
    pending = Subject.objects.filter(erased_at=None).order_by("created_at", "id")
    return [
        (str(numbers[subject_id]), partial(subject_shred, subject_id=subject_id, reason="crash"))
        for subject_id in list(pending.values_list("id", flat=True))[:limit]
    ]


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable: SIGKILL cannot be caught")


def die_after_new_key_file() -> None:
    """Die with the new master key on disk and nothing rewrapped yet."""
    from pledge.vault import master

    write = master._write

    def write_then_die(new: master.MasterKey) -> None:
        write(new)
        _die()

    master._write = write_then_die  # type: ignore[assignment]


def die_after_rotation_commit() -> None:
    """Die the instant the key database commits a rotation, before the old key is destroyed.

    The narrowest window of a rotation (a file removal and an fsync wide), so random kills
    seldom land in it; here it is hit for certain.
    """
    _after_key_commit(_die)


def die_after_shred_commit() -> None:
    """Die right after the key database commits a shred, before the data database hears of it."""
    from pledge.vault import keyring

    shred = keyring.shred

    def shred_then_die(*args: Any, **kwargs: Any) -> int:
        shred(*args, **kwargs)
        _die()
        return 0

    keyring.shred = shred_then_die  # type: ignore[assignment]


def interrupt_after_rotation_commit() -> None:
    """Ctrl-C (KeyboardInterrupt) the moment the key database has committed a rotation.

    A signal's exception is raised between two bytecodes, so it can arrive after COMMIT
    returned but before the ``with`` block around it has finished: the rotation is on disk,
    yet the code sees an exception. Raising it right there makes that instant reproducible.
    """

    def interrupt() -> None:
        raise KeyboardInterrupt

    _after_key_commit(interrupt)


def _after_key_commit(then: Callable[[], None]) -> None:
    """Run ``then`` right after the key database commits the rotation (not an earlier commit).

    A rotation commits more than once (``master.current()`` opens its own transaction first);
    the one that counts is the first commit after the new key file was written.
    """
    from django.db import connections

    from pledge.vault import master
    from pledge.vault.routers import KEYS

    connection = connections[KEYS]
    commit, write = connection.commit, master._write
    written = False

    def write_and_note(new: master.MasterKey) -> None:
        nonlocal written
        write(new)
        written = True

    def commit_then() -> None:
        commit()
        if written:
            connection.commit = commit  # type: ignore[method-assign]
            then()

    master._write = write_and_note  # type: ignore[assignment]
    connection.commit = commit_then  # type: ignore[method-assign]


def stale_writer() -> None:
    """Load the master key, wait while another process rotates, then write new personal data.

    What a long-running server does: it read the key when it started, and keeps serving while
    the scheduled rotation (another process) replaces and destroys that key.
    """
    import datetime as dt

    from django.conf import settings

    from pledge.vault import master
    from pledge.vault.models import SubjectKind
    from pledge.vault.services import subject_create
    from tests.vaultcases.models import Dossier, LedgerEntry

    loaded = master.current()
    _say("READY", loaded.id)
    sys.stdin.readline()
    path = settings.DATA_DIR / NUMBERS_FILE
    numbers = json.loads(path.read_text())
    number = max(numbers.values()) + 1
    now = dt.datetime.now(dt.UTC)
    # No address, so no blind-index lookup: the first thing this process does with a key after
    # the rotation is to create one (as for a walk-in customer, or a new period's log key).
    subject = subject_create(kind=SubjectKind.CUSTOMER)
    Dossier.objects.create(subject=subject, received_at=now, body=body_text(number))
    LedgerEntry.objects.create(
        subject=subject, completed_at=now, amount="3.20", payer=payer_text(number)
    )
    numbers[str(subject.id)] = number
    path.write_text(json.dumps(numbers))
    _say("WROTE", number)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crash_driver")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--subjects", type=int, default=300)
    parser.add_argument("--count", type=int, help="stop after this many rotations or shreds")
    parser.add_argument("--check", action="store_true", help="check before starting the loop")
    parser.add_argument("--die-at", choices=sorted(DIE_AT), help="SIGKILL itself at this point")
    args = parser.parse_args(argv)
    _setup()
    if args.action == "serve":
        return serve()
    if args.action == "seed":
        _say("SEEDED", json.dumps(seed(args.subjects)))
    elif args.action == "check-rotation" or (args.action == "rotate" and args.check):
        _say("CHECK", json.dumps(check_rotation(full=args.action == "check-rotation")))
    elif args.action == "check-shred" or (args.action == "shred" and args.check):
        _say("CHECK", json.dumps(check_shred(full=args.action == "check-shred")))
    if args.die_at:
        DIE_AT[args.die_at]()
    if args.action == "rotate":
        _loop(rotations(args.count))
    elif args.action == "shred":
        _loop(shreds(args.count))
    elif args.action == "stale-writer":
        stale_writer()
    return 0


def serve() -> int:
    """Fork one worker per command line read from stdin, and report how each one ended.

    Importing Django and pledge takes about a second; a kill loop that paid it for every
    worker would spend most of its time importing. This process imports once and never opens
    a database or reads a key, so each forked worker starts as clean as a new ``python``
    would, only sooner, and is still a process of its own that SIGKILL ends at any instruction.
    The worker prints ``PID n`` first (so the test knows whom to kill); this process prints
    ``EXIT n status`` once the worker is gone, killed or not.
    """
    _warm_up()
    for line in sys.stdin:
        argv = shlex.split(line)
        if not argv:
            continue
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _say("PID", os.getpid())
                code = main(argv)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            _say("EXIT", pid, f"signal {os.WTERMSIG(status)}")
        else:
            _say("EXIT", pid, f"code {os.WEXITSTATUS(status)}")
    return 0


def _warm_up() -> None:
    """Import what the workers use, so each forked worker does not import it again."""
    for module in WARM_UP:
        importlib.import_module(module)


WARM_UP = (
    "pledge.audit.services",
    "pledge.vault.crypto",
    "pledge.vault.fields",
    "pledge.vault.keyring",
    "pledge.vault.services",
    "tests.vaultcases.models",
)
ACTIONS = ("serve", "seed", "check-rotation", "check-shred", "rotate", "shred", "stale-writer")
DIE_AT: dict[str, Callable[[], None]] = {
    "after-new-key-file": die_after_new_key_file,
    "after-rotation-commit": die_after_rotation_commit,
    "after-shred-commit": die_after_shred_commit,
    "interrupt-after-rotation-commit": interrupt_after_rotation_commit,
}


if __name__ == "__main__":
    sys.exit(main())
