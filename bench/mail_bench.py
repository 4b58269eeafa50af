"""Mail import benchmark: messages per second and peak memory for a large mbox.

Run from the repository root:

    python3 -m uv run python bench/mail_bench.py --messages 100000
    python3 -m uv run python bench/mail_bench.py --messages 100000 --db postgres

It writes a synthetic mbox under ``bench/out/mail-<N>/`` (the ALPS business: orders and
questions from 2,000 correspondents, a fifth of it our own replies, one message in ten copied
to a second person, one in twenty with a small attachment, one in fifty quoting a card number),
then runs ``pledge mail import`` on it in a fresh process with its own data and key
directories (and, on PostgreSQL, its own databases ``pledge_mailbench`` and
``pledge_mailbench_keys``, dropped before and after), under the alps policy.

Memory is the import process's resident set size, sampled after every committed batch, and
its peak (``ru_maxrss``). The claim is that it does not grow with the mailbox: the report
compares the resident size after the first tenth of the messages with the size at the end.
Results go to ``bench/out/mail-<db>-<N>.json`` and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
POLICY = REPO / "policies" / "alps.yaml"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
PG_DATA, PG_KEYS = "pledge_mailbench", "pledge_mailbench_keys"
CARD = "4111 1111 1111 1111"
WORDS = [
    "toner",
    "cartridge",
    "drum",
    "unit",
    "printer",
    "ribbon",
    "invoice",
    "shipment",
    "postage",
    "EMS",
    "airmail",
    "SAL",
    "Osaka",
    "Kyoto",
    "London",
    "Berlin",
    "order",
    "quote",
    "payment",
    "PayPal",
    "transfer",
    "reference",
    "thanks",
    "question",
    "please",
    "delivery",
    "tracking",
    "number",
    "arrived",
    "damaged",
    "replacement",
    "colour",
    "black",
    "cyan",
    "magenta",
    "yellow",
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the mailbox --------------------------------------------------------------------------------


def write_mbox(path: Path, count: int, seed: int = 2026) -> int:
    """A synthetic mbox of ``count`` messages, written as a stream; returns its size."""
    import base64
    import datetime as dt

    rng = random.Random(seed)
    people = [f"customer{n}@example{n % 37}.jp" for n in range(2000)]
    start = dt.datetime(2019, 4, 1, tzinfo=dt.UTC)
    with path.open("wb") as out:
        for n in range(count):
            when = start + dt.timedelta(minutes=25 * n + rng.randrange(20))
            person = rng.choice(people)
            ours = rng.random() < 0.2
            sender, to = (
                ("info@alps-printer.jp", person) if ours else (person, "info@alps-printer.jp")
            )
            lines = [
                f"From {sender} {when:%a %b %d %H:%M:%S %Y}",
                f"Received: from mx by mail.alps-printer.jp; {format_datetime(when)}",
                f"From: Customer {n % 2000} <{sender}>" if not ours else f"From: ALPS <{sender}>",
                f"To: {to}",
            ]
            if rng.random() < 0.1:
                lines.append(f"Cc: {rng.choice(people)}")
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(60, 260)))
            if rng.random() < 0.02:
                body += f"\nMy card is {CARD}, please charge it."
            lines += [
                f"Subject: {'Re: ' if ours else ''}order {n}",
                f"Date: {format_datetime(when)}",
                f"Message-ID: <bench-{n}@example.jp>",
                "MIME-Version: 1.0",
            ]
            if rng.random() < 0.05:
                attachment = base64.encodebytes(rng.randbytes(8_000)).decode()
                lines += [
                    'Content-Type: multipart/mixed; boundary="b0"',
                    "",
                    "--b0",
                    "Content-Type: text/plain; charset=utf-8",
                    "",
                    body,
                    "--b0",
                    'Content-Type: application/pdf; name="quote.pdf"',
                    "Content-Transfer-Encoding: base64",
                    'Content-Disposition: attachment; filename="quote.pdf"',
                    "",
                    attachment,
                    "--b0--",
                ]
            else:
                lines += ["Content-Type: text/plain; charset=utf-8", "", body]
            out.write(("\n".join(lines) + "\n\n").encode())
    return path.stat().st_size


# --- the import, in its own process -------------------------------------------------------------


CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("migrate", database="keys", verbosity=0)
from pathlib import Path
from pledge.correspondence.services import mailbox_import

samples = []
def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
def progress(report):
    samples.append((report.read, rss_kib(), round(time.monotonic() - started, 2)))
baseline = rss_kib()
started = time.monotonic()
report = mailbox_import(path=Path(sys.argv[1]), progress=progress)
seconds = time.monotonic() - started
json.dump({
    "read": report.read, "stored": report.stored, "copies": report.copies,
    "problems": report.problems, "cards": report.cards, "seconds": seconds,
    "baseline_rss_kib": baseline, "samples": samples,
    "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}, sys.stdout)
"""


def postgres_databases(*, create: bool) -> None:
    import psycopg

    with psycopg.connect(PG_URL.format(name="postgres"), autocommit=True) as conn:
        for name in (PG_DATA, PG_KEYS):
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            if create:
                conn.execute(f"CREATE DATABASE {name}")


def run_import(mbox: Path, work: Path, db: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEDGE_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "pledge.settings",
        "PLEDGE_POLICY": str(POLICY),
        "PLEDGE_DATA_DIR": str(work / "data"),
        "PLEDGE_KEY_DIR": str(work / "keys"),
    }
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        postgres_databases(create=True)
        env["DATABASE_URL"] = PG_URL.format(name=PG_DATA)
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(mbox)],
            env=env, cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        if db == "postgres":
            postgres_databases(create=False)
    if done.returncode != 0:
        raise SystemExit(f"the import failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    work = OUT / f"mail-{args.db}-{args.messages}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    mbox = work / "mbox"
    log(f"writing {args.messages} messages to {mbox}")
    size = write_mbox(mbox, args.messages)
    log(f"{size / 1e6:.0f} MB; importing ({args.db})")
    load_before = os.getloadavg()[0]
    result = run_import(mbox, work, args.db)
    load_after = os.getloadavg()[0]
    samples = result["samples"]
    tenth = next((s for s in samples if s[0] >= args.messages // 10), samples[0])
    steady = (samples[-1][0] - tenth[0]) / max(samples[-1][2] - tenth[2], 1e-9)
    final = samples[-1][1]
    summary = {
        "messages": args.messages,
        "database": args.db,
        "mbox_bytes": size,
        "stored": result["stored"],
        "copies": result["copies"],
        "card_numbers_removed": result["cards"],
        "seconds": round(result["seconds"], 1),
        "messages_per_second": round(args.messages / result["seconds"]),
        "messages_per_second_after_first_tenth": round(steady),
        "rss_before_import_mib": round(result["baseline_rss_kib"] / 1024, 1),
        "rss_after_first_tenth_mib": round(tenth[1] / 1024, 1),
        "rss_at_end_mib": round(final / 1024, 1),
        "peak_rss_mib": round(result["peak_rss_kib"] / 1024, 1),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "load_average_before_after": [round(load_before, 1), round(load_after, 1)],
        "samples": samples[:: max(1, len(samples) // 50)],
    }
    (OUT / f"mail-{args.db}-{args.messages}.json").write_text(json.dumps(summary, indent=2))
    shutil.rmtree(work / "data", ignore_errors=True)
    mbox.unlink()
    print(
        f"| {args.db} | {args.messages:,} | {size / 1e6:.0f} MB | {summary['seconds']} s | "
        f"{summary['messages_per_second']:,} ({summary['messages_per_second_after_first_tenth']:,})"
        f" | {summary['rss_before_import_mib']} MiB | {summary['rss_after_first_tenth_mib']} MiB |"
        f" {summary['rss_at_end_mib']} MiB | {summary['peak_rss_mib']} MiB |"
    )


if __name__ == "__main__":
    main()
