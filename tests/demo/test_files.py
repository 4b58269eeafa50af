"""The demo's files: the same seed writes the same bytes; the logs are what an import reads.

These are the generators alone (no database): the story, the access logs, the mbox and the
statements, written twice from one seed and once from another.
"""

from __future__ import annotations

import datetime as dt
import gzip
import mailbox
from decimal import Decimal
from pathlib import Path

import polars as pl

from pledge.demo.history import History, stream
from pledge.demo.mailbox import mailbox_write
from pledge.demo.statements import statements_write
from pledge.demo.story import Story, story_make
from pledge.demo.weblog import batches, logs_write
from pledge.policy import load
from pledge.traffic import parse
from pledge.traffic.periods import period_of

ALPS = load(Path(__file__).resolve().parents[2] / "policies" / "alps.yaml")
PRODUCTS = [
    ("ribbon-cyan", "Cyan ink ribbon cassette", Decimal("1650")),
    ("md-printer-servicing", "MD-series printer servicing", Decimal("9800")),
]
HISTORY = History.ending(end=dt.date(2026, 6, 30), years=1, policy=ALPS)


def _story(seed: int) -> Story:
    story = story_make(rng=stream(seed, "story"), history=HISTORY, products=PRODUCTS)
    for order in story.orders:  # the shop's references, as ``order_enter`` would give them
        order.reference = f"AL-TEST-{order.number:04d}"
    return story


def _write(seed: int, root: Path) -> dict[str, bytes]:
    """Every file a demo of ``seed`` writes (the shop's references fixed), by name."""
    story = _story(seed)
    logs_write(rng=stream(seed, "logs"), history=HISTORY, policy=ALPS, directory=root / "logs")
    mailbox_write(
        rng=stream(seed, "mail"),
        story=story,
        general="info@alps-printer.jp",
        orders="orders@alps-printer.jp",
        name="ALPS",
        path=root / "mail.mbox",
    )
    statements_write(
        rng=stream(seed, "statements"),
        history=HISTORY,
        orders=story.orders,
        own="orders@alps-printer.jp",
        directory=root,
        currency="JPY",
    )
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.*"))}


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path):
    first, again, other = (_write(s, tmp_path / n) for s, n in ((3, "a"), (3, "b"), (4, "c")))
    assert sorted(first) == [
        "bank-statement.csv",
        "logs/access-20250630-20260331.log.gz",
        "logs/access-20260401-20260629.log.gz",
        "mail.mbox",
        "paypal-activity.csv",
    ]
    assert first == again
    assert all(first[name] != other[name] for name in first)


def test_a_log_file_per_fiscal_year_read_cleanly_by_the_parser(tmp_path: Path):
    written = logs_write(rng=stream(1, "logs"), history=HISTORY, policy=ALPS, directory=tmp_path)
    assert [(w.first, w.last) for w in written] == [
        (dt.date(2025, 6, 30), dt.date(2026, 3, 31)),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 29)),
    ]
    assert batches(HISTORY, ALPS) == [
        (dt.date(2025, 6, 30), dt.date(2026, 4, 1)),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    ]
    for log in written:
        data = gzip.decompress(log.path.read_bytes())
        lines = parse.lines_frame(data, 1, cut_tail=False)
        frame = parse.parse(lines, now=log.imported_at.astimezone(dt.UTC))
        assert frame.height == log.lines
        bad = frame.filter(pl.col("reason").is_not_null())
        # The only unreadable lines are the ones cut short on purpose (about one a month).
        assert set(bad["line"].str.ends_with('"GET /ordering/ HT')) <= {True}
        assert 0 < bad.height < (log.last - log.first).days / 10
        good = frame.filter(pl.col("reason").is_null())
        times = good["time"]
        assert times.min() >= HISTORY.at(log.first) and times.max() < log.imported_at
        # One fiscal year per file: the year its import closes (so one partition per file).
        assert {period_of(t, ALPS) for t in (times.min(), times.max())} == {
            period_of(log.imported_at - dt.timedelta(seconds=1), ALPS)
        }
        bots = good.filter(pl.col("agent").str.contains("bot|spider", literal=False)).height
        assert 0.1 < bots / good.height < 0.4, "crawlers are a share of the traffic, not all"
        assert good["ip"].n_unique() > 1000


def test_the_mbox_is_one_thread_per_order_and_question(tmp_path: Path):
    story = _story(5)
    written = mailbox_write(
        rng=stream(5, "mail"),
        story=story,
        general="info@alps-printer.jp",
        orders="orders@alps-printer.jp",
        name="ALPS",
        path=tmp_path / "mail.mbox",
    )
    messages = list(mailbox.mbox(written.path))
    assert len(messages) == written.messages
    ours = [m for m in messages if "orders@alps-printer.jp" in m["From"]]
    answers = [m for m in ours if m["Subject"].startswith("Re: Order AL-TEST-")]
    assert len(answers) == len(story.orders), "each order is answered with its reference"
    assert all("@" in m["From"] and m["Date"] for m in messages)
    received = [m for m in messages if m["Received"]]
    assert all("alps-printer.jp" not in m["From"] for m in received), "ours are not received"
    assert any(m.is_multipart() for m in messages), "some carry an attachment"
