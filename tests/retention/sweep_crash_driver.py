"""The process that ``test_sweep_crash`` kills: seeds a site, sweeps it, reports what it holds.

Run as ``python -m tests.retention.sweep_crash_driver ACTION`` with the site's environment
(``PLEDGE_DATA_DIR``, ``PLEDGE_KEY_DIR``, ``PLEDGE_TESTING=1``, optionally ``DATABASE_URL``):

- ``seed``: customers with orders, order lines, payments and ledger entries, correspondents with
  messages, attachments, attachment chunks and dossiers (each under keys of their own), and
  sessions and failed sign-ins linked to no one; anchors spread over ten years, so that at the
  sweep's instant part of every holder is due and part is not, and some subjects keep a record
  of a category (so their key must stay) while others lose all of it (so their key must go);
- ``sweep``: ``sweep_run(now=T, batch=B)``, the retention sweep in small batches; ``--die-at``
  makes the process SIGKILL itself at one exact point (see ``_watch``); ``--check`` reports the
  site's state afterwards;
- ``check``: only the report;
- ``serve``: fork one worker per command line on stdin (see ``serve``).

It talks to the test through stdout, one line per event written in one piece, because a
process killed with SIGKILL can say nothing afterwards: what reached the pipe is all there is.

- ``READY``: the sweep starts now (the test starts its kill timer here);
- ``BATCH n seconds`` / ``SHRED n keys``: batch n of the sweep has committed (that long after
  READY) / shred call n has returned (having destroyed that many keys);
- ``DONE deleted shredded seconds``: the sweep returned;
- ``CHECK {json}``: the state of the site (see ``check``).

The check never asserts: it reports, and the test compares it with an uninterrupted sweep's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import json
import os
import random
import shlex
import signal
import sys
import time
import traceback
from collections.abc import Callable
from decimal import Decimal
from typing import Any

NOW = "2025-06-01T03:00:00+01:00"  # the policy's sweep hour, in the controller's zone
FIRST = dt.datetime(2015, 6, 1, tzinfo=dt.UTC)
SPAN_DAYS = 3650  # anchors over ten years before NOW
SEED = 20250601


def _say(*words: object) -> None:
    # One write of the whole line: a kill between two writes would leave half a line.
    sys.stdout.write(" ".join(map(str, words)) + "\n")
    sys.stdout.flush()


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
    import django

    django.setup()


# --- seeding ---------------------------------------------------------------------------------


def seed(customers: int, correspondents: int, anonymous: int) -> dict[str, Any]:
    """The data set: every holder the sweep empties in batches, anchors over ten years.

    Deterministic (one seeded random generator), though nothing depends on that: each test
    compares a killed sweep with an uninterrupted one on a copy of the same files.
    """
    from django.contrib.sessions.models import Session
    from django.db import transaction

    from pledge.accounts.models import SignInAttempt
    from pledge.correspondence.choices import Direction, Source
    from pledge.correspondence.models import Attachment, AttachmentChunk, Message
    from pledge.shop.models import Order, OrderLine, OrderStatus, Payment, PaymentMethod
    from pledge.shop.stats import order_tallies_update
    from pledge.vault.models import SubjectKind
    from pledge.vault.services import subject_create
    from tests.vaultcases.models import Dossier, LedgerEntry

    rng = random.Random(SEED)
    started = time.perf_counter()

    def era() -> Callable[[], dt.datetime]:
        """A subject's records fall within three years of each other, somewhere in the span."""
        start = FIRST + dt.timedelta(days=rng.uniform(0, SPAN_DAYS - 3 * 365))
        return lambda: start + dt.timedelta(days=rng.uniform(0, 3 * 365))

    with transaction.atomic():
        for number in range(customers):
            subject, when = subject_create(kind=SubjectKind.CUSTOMER), era()
            for index in range(3):
                completed = when()
                order = Order.objects.create(
                    reference=f"C{number:04d}-{index}",
                    subject=subject,
                    status=OrderStatus.COMPLETED,
                    placed_at=completed - dt.timedelta(days=3),
                    completed_at=completed,
                    shipping_country="GB",
                    postage_method="Royal Mail",
                    payment_method=PaymentMethod.BANK_TRANSFER,
                    delivery_name=f"Customer {number}",
                    delivery_address=f"{number} High Street, Leeds",
                    email=f"customer{number}@example.org",
                )
                for line in range(2):
                    OrderLine.objects.create(
                        order=order,
                        product_name=f"Sencha {line}",
                        quantity=1 + line,
                        unit_price=Decimal("4.50"),
                    )
                Payment.objects.create(
                    order=order,
                    subject=subject,
                    method=PaymentMethod.BANK_TRANSFER,
                    status="received",
                    amount=Decimal("13.50"),
                    received_at=when(),
                    reference=f"BT{number:04d}{index}",
                    payer_name=f"Customer {number}",
                )
            for _ in range(2):
                LedgerEntry.objects.create(
                    subject=subject,
                    completed_at=when(),
                    amount=Decimal("13.50"),
                    payer=f"Customer {number}",
                )
        for number in range(correspondents):
            subject, when = subject_create(kind=SubjectKind.CORRESPONDENT), era()
            for index in range(4):
                message = Message.objects.create(
                    subject=subject,
                    received_at=when(),
                    direction=Direction.RECEIVED,
                    source=Source.MBOX,
                    size=900,
                    headers={"subject": f"Question {index}"},
                    text=f"Letter {index} from correspondent {number}.",
                )
                if index % 2:
                    attachment = Attachment.objects.create(
                        message=message, subject=subject, position=0, size=8, meta={"name": "a"}
                    )
                    for chunk in range(2):
                        AttachmentChunk.objects.create(
                            attachment=attachment, subject=subject, index=chunk, data=b"scan"
                        )
            for _ in range(2):
                Dossier.objects.create(subject=subject, received_at=when(), body="A note.")
        SignInAttempt.objects.bulk_create(
            SignInAttempt(address_index=f"a{n}", network_index=f"n{n}", at=_recent(rng))
            for n in range(anonymous)
        )
        Session.objects.bulk_create(
            Session(session_key=f"s{n:039d}", session_data="e30", expire_date=_recent(rng))
            for n in range(anonymous)
        )
    # Counted into the anonymised statistics as they were paid, as the payments command does;
    # the sweep's own count before orders go then finds only what came since (nothing here).
    order_tallies_update()
    return {"seconds": round(time.perf_counter() - started, 3)}


def _recent(rng: random.Random) -> dt.datetime:
    """Within three days of NOW: hour-long and day-long keeps, half due and half not."""
    return dt.datetime.fromisoformat(NOW) - dt.timedelta(hours=rng.uniform(0, 72))


# --- the report --------------------------------------------------------------------------------


def _digest(items: list[Any]) -> str:
    text = json.dumps(sorted(json.dumps(item, default=str) for item in items))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check() -> dict[str, Any]:
    """What the site holds, in a form two sites can be compared by.

    Rows per holder (count and a digest of the primary keys), the keys in the key database,
    the shred journal (without the times of the entries), the audit trail (every event's
    content without its time and hash, in order) and whether its hash chain verifies, and the
    anonymised order statistics counted before orders go (each order exactly once), and on
    SQLite the free pages left in the file.
    """
    from django.conf import settings
    from django.db import connection

    from pledge.audit.models import AuditEvent
    from pledge.audit.selectors import audit_verify
    from pledge.datamap import registry
    from pledge.retention.models import SweepRun
    from pledge.shop.models import OrderTally, TalliedOrder
    from pledge.vault.models import DataKey, ShredEntry
    from pledge.vault.routers import KEYS

    holders = {}
    for holder in registry.holders(settings.POLICY):
        pks = [str(pk) for pk in holder.model._default_manager.values_list("pk", flat=True)]
        holders[holder.label] = [len(pks), _digest(pks)]
    handles = list(DataKey.objects.using(KEYS).values_list("handle", flat=True))
    journal = [
        list(entry)
        for entry in ShredEntry.objects.using(KEYS).values_list(
            "handle", "subject", "category", "period", "reason"
        )
    ]
    fields = ("action", "category", "count", "rule", "subject", "actor", "detail")
    events = [list(e) for e in AuditEvent.objects.order_by("sequence").values_list(*fields)]
    swept = [e for e in events if e[0] == "retention.deleted"]
    tallies = [
        list(t) for t in OrderTally.objects.values_list("month", "dimension", "value", "count")
    ]
    report = audit_verify()
    free_pages = None  # SQLite: pages deleted rows left, which the sweep's reclaim gives back
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA freelist_count")
            free_pages = cursor.fetchone()[0]
    return {
        "holders": holders,
        "keys": [len(handles), _digest(handles)],
        "journal": [len(journal), _digest(journal)],
        "audit": [
            len(events),
            hashlib.sha256(json.dumps(events, default=str).encode()).hexdigest()[:16],
        ],
        "batches_audited": len(swept),
        "rows_audited": sum(e[2] for e in swept),
        "audit_ok": report.ok,
        "tallies": [len(tallies), _digest(tallies)],
        "tallied_orders": TalliedOrder.objects.count(),
        "free_pages": free_pages,
        "sweeps_finished": SweepRun.objects.exclude(finished_at=None).count(),
        "sweeps_unfinished": SweepRun.objects.filter(finished_at=None).count(),
    }


# --- the sweep, and where it dies --------------------------------------------------------------


_started = time.perf_counter()


def _elapsed() -> str:
    return f"{time.perf_counter() - _started:.6f}"


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable: SIGKILL cannot be caught")


def _watch(die_at: str | None) -> None:
    """Report each batch as it commits and each shred as it returns; die where told.

    ``boundary:n``: right after batch n commits, before the next one begins; ``mid:n``: inside
    batch n, its rows deleted, its emptied subjects' keys shredded and its audit event written,
    before the commit; ``shred:n``: right after shred call n has destroyed keys in the key
    database, before the batch that made it goes on (the window where the keys are gone and
    the rows are not).
    """
    from django.db import transaction

    from pledge.retention import sweep
    from pledge.vault import keyring

    where, _, number = (die_at or "none:0").partition(":")
    target = int(number)
    batches = shreds = 0
    record, shred = sweep.audit_record, keyring.shred

    def record_and_watch(**kwargs: Any) -> Any:
        nonlocal batches
        event = record(**kwargs)
        if kwargs.get("action") == "retention.deleted":
            batches += 1
            current = batches
            transaction.on_commit(lambda: _say("BATCH", current, _elapsed()))
            if where == "mid" and current == target:
                _die()
            if where == "boundary" and current == target:
                transaction.on_commit(_die)
        return event

    def shred_and_watch(*args: Any, **kwargs: Any) -> int:
        nonlocal shreds
        count = shred(*args, **kwargs)
        shreds += 1
        _say("SHRED", shreds, count)
        if where == "shred" and shreds == target:
            _die()
        return count

    sweep.audit_record = record_and_watch  # type: ignore[assignment]
    keyring.shred = shred_and_watch  # type: ignore[assignment]


def run_sweep(batch: int, die_at: str | None) -> None:
    from django.db import connections

    from pledge.retention.sweep import sweep_run

    _watch(die_at)
    for connection in connections.all():
        connection.ensure_connection()  # so the kill timer measures the sweep, not a connect
    global _started
    _say("READY")
    _started = time.perf_counter()
    result = sweep_run(now=dt.datetime.fromisoformat(NOW), batch=batch)
    _say("DONE", result.deleted, result.keys_shredded, _elapsed())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sweep_crash_driver")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--correspondents", type=int, default=40)
    parser.add_argument("--anonymous", type=int, default=150)
    parser.add_argument("--batch", type=int, default=15)
    parser.add_argument("--die-at", help="boundary:n, mid:n or shred:n")
    parser.add_argument("--check", action="store_true", help="report the state afterwards")
    args = parser.parse_args(argv)
    _setup()
    if args.action == "serve":
        return serve()
    if args.action == "seed":
        _say("SEEDED", json.dumps(seed(args.customers, args.correspondents, args.anonymous)))
    elif args.action == "sweep":
        run_sweep(args.batch, args.die_at)
    if args.check or args.action == "check":
        _say("CHECK", json.dumps(check()))
    return 0


def serve() -> int:
    """Fork one worker per command line read from stdin, and report how each one ended.

    Importing Django and pledge takes about a second; a kill loop that paid it for every
    worker would spend most of its time importing. This process imports once and never opens
    a database or reads a key, so each forked worker starts as clean as a new ``python`` would,
    only sooner, and is still a process of its own that SIGKILL ends at any instruction. The
    worker prints ``PID n`` first; this process prints ``EXIT n status`` once it is gone.
    """
    for module in WARM_UP:
        importlib.import_module(module)
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


WARM_UP = (
    "pledge.audit.selectors",
    "pledge.audit.services",
    "pledge.retention.sweep",
    "pledge.vault.crypto",
    "pledge.vault.fields",
    "pledge.vault.keyring",
    "pledge.vault.services",
    "tests.vaultcases.models",
)
ACTIONS = ("serve", "seed", "sweep", "check")


if __name__ == "__main__":
    sys.exit(main())
