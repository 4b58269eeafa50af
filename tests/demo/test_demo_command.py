"""``pledge demo`` as an operator runs it: a real process into a fresh data directory, then
``pledge sweep --dry-run --now ... --json`` and the sweep itself over what it made.

The demo's history is two years ending on 30 June 2026 (the command's default is six years
ending today; two keep the test short and the dates fixed). Under alps those two years hold
three fiscal years of logs (FY2024 from 30 June, FY2025, and April to June of FY2026) and the
orders of the same years. On 2 May 2032 all three log periods are due (the last one closed
on 31 March 2027, five years and 30 days before), and so are the orders delivered and the
payments received up to 1 April 2025 (seven years, to the close of 31 March 2032, plus 30
days): the plan must say so, with the reasons, and the sweep must do exactly that.

SQLite by default; with ``DATABASE_URL`` naming a PostgreSQL server (as CI's second run does),
the demo gets databases of its own beside it (``<name>_demo`` and ``<name>_demo_keys``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from pledge.policy import load
from pledge.policy.calendar import deadline

REPO = Path(__file__).resolve().parents[2]
ALPS = REPO / "policies" / "alps.yaml"
END, YEARS, SEED = "2026-06-30", 2, 7
LATER = "2032-05-02"
LEDGER = "user.behavior.purchase_history"

pytestmark = pytest.mark.db  # CI runs it again with DATABASE_URL on PostgreSQL


def _with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@dataclass(frozen=True)
class Site:
    data_dir: Path
    key_dir: Path
    database_url: str | None

    def env(self) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PLEDGE_", "DJANGO_", "DATABASE_URL"))
        }
        env.update(
            PLEDGE_DATA_DIR=str(self.data_dir),
            PLEDGE_KEY_DIR=str(self.key_dir),
            PLEDGE_POLICY=str(ALPS),
            PLEDGE_SECRET_KEY="demo-test-only",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def pledge(self, *args: str) -> str:
        return self.run("-m", "pledge.cli", *args)

    def census(self) -> dict[str, object]:
        return json.loads(self.run("-m", "tests.demo.census"))

    def plan(self, now: str) -> dict[str, dict[str, object]]:
        entries = json.loads(self.pledge("sweep", "--dry-run", "--now", now, "--json"))["entries"]
        return {e["holder"]: e for e in entries}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    """The demo, run once for the module: the site and what the command printed."""
    root = tmp_path_factory.mktemp("demo")
    url = os.environ.get("DATABASE_URL", "")
    admin = None
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base = urlsplit(url).path.lstrip("/") or "pledge"
        url = _with_name(url, f"{base}_demo")
        try:
            admin = psycopg.connect(_with_name(url, "postgres"), autocommit=True)
        except psycopg.Error as exc:
            pytest.skip(f"PostgreSQL demo test needs a server: {exc}")
        for name in (f"{base}_demo", f"{base}_demo_keys"):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    site = Site(root / "data", root / "keys", url or None)
    try:
        printed = site.pledge("demo", "--years", str(YEARS), "--end", END, "--seed", str(SEED))
        yield site, printed
    finally:
        if admin is not None:
            for name in (f"{base}_demo", f"{base}_demo_keys"):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def _stored(printed: str) -> dict[str, int]:
    """The "Stored now" block of the demo's output: holder label, rows."""
    block = printed.split("Stored now", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^  (\S+(?: \S+)?)\s+([\d,]+)$", block, re.MULTILINE)
    return {label: int(count.replace(",", "")) for label, count in rows}


def test_the_demo_writes_its_files_and_says_what_it_made(demo):
    site, printed = demo
    files = site.data_dir / "demo"
    logs = sorted((files / "logs").glob("*.log.gz"))
    assert [p.name for p in logs] == [
        "access-20240630-20250331.log.gz",
        "access-20250401-20260331.log.gz",
        "access-20260401-20260629.log.gz",
    ]
    lines = [gzip.decompress(p.read_bytes()).decode().splitlines() for p in logs]
    assert all(len(day) / days >= 200 for day, days in zip(lines, (275, 365, 90), strict=True))
    for path, content in zip(logs, lines, strict=True):
        assert f"{path.name}  {len(content):,} access log lines" in printed
    read = int(re.search(r"logs ingest: ([\d,]+) lines read", printed)[1].replace(",", ""))  # type: ignore[index]
    assert read == sum(map(len, lines)), "every line written was read"
    assert "0 refused" in printed, "imported as each year closed, no line was already expired"
    assert (files / "mail" / "correspondence.mbox").stat().st_size > 0
    paypal = (files / "payments" / "paypal-activity.csv").read_text().splitlines()
    bank = (files / "payments" / "bank-statement.csv").read_text().splitlines()
    assert paypal[0].startswith("Date,Time,TimeZone,Name,Type,Status,Currency,Gross")
    assert bank[0] == "Date,Description,Payer,Reference,Amount,Currency,Balance"
    assert "pledge sweep --dry-run --now 2031-04-15" in printed
    assert "Legal hold: tax audit" in printed


def test_the_counts_it_printed_are_what_the_database_holds(demo):
    site, printed = demo
    stored, census = _stored(printed), site.census()
    assert stored, printed
    for label in (
        "shop.Order",
        "shop.OrderLine",
        "shop.Payment",
        "correspondence.Message",
        "correspondence.Attachment",
        "correspondence.AttachmentChunk",
        "vault.Subject",
        "traffic partitions",
    ):
        assert stored[label] == census[label] > 0, label
    assert census["holds"] == 1
    assert census["periods"] == ["fy2025-03-31", "fy2026-03-31", "fy2027-03-31"]
    messages = int(re.search(r"stored as ([\d,]+) copies", printed)[1].replace(",", ""))  # type: ignore[index]
    assert messages == census["correspondence.Message"]


@pytest.mark.clause("AL6")
@pytest.mark.clause("AL8")
@pytest.mark.clause("AL11")
def test_the_dry_run_then_the_sweep_over_the_demo(demo):
    site, _ = demo
    before = site.census()
    today = site.plan("2026-07-01")
    assert all(e["due_now"] == 0 for e in today.values()), "two years: nothing is due yet"

    later = site.plan(LATER)
    logs = later["store:traffic partitions"]
    assert logs["due_now"] == before["traffic partitions"], "every period is past its keep"
    for period in before["periods"]:
        assert period in logs["reason"]
    assert "five years" in logs["rule"] and "31 March" in logs["rule"]
    orders, payments = later["shop.Order"], later["shop.Payment"]
    assert 0 < orders["due_now"] < before["shop.Order"]
    assert 0 < payments["due_now"] < before["shop.Payment"]
    for entry in (orders, payments):
        assert "cannot be deleted at visitor request" in entry["reason"]
        assert "seven years" in entry["rule"] and "31 March" in entry["rule"]
        assert entry["held"] > 0, "the tax audit's customer is held"
        # Everything anchored up to 1 April 2025, 00:00 in Tokyo, is due on 2 May 2032.
        cutoff = dt.datetime.fromisoformat(entry["cutoff"])
        rule = load(ALPS).category(LEDGER).retention
        assert deadline(cutoff, rule, "Asia/Tokyo").due_at <= dt.datetime.fromisoformat(
            f"{LATER}T00:00+09:00"
        )
        assert cutoff.astimezone(dt.timezone(dt.timedelta(hours=9))).date() in (
            dt.date(2025, 3, 31),
            dt.date(2025, 4, 1),
        )

    site.pledge("sweep", "--now", LATER)
    after = site.census()
    assert after["traffic partitions"] == 0 and after["periods"] == []
    assert after["shop.Order"] == before["shop.Order"] - orders["due_now"]
    assert after["shop.Payment"] == before["shop.Payment"] - payments["due_now"]
    assert after["correspondence.Message"] == before["correspondence.Message"], "AL7: kept"
    again = site.plan(LATER)
    assert again["shop.Order"]["due_now"] == 0 and again["shop.Order"]["held"] > 0
