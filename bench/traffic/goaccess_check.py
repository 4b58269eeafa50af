"""Check pledge's counts against GoAccess on a real log, and explain every difference.

    python3 -m uv run python bench/traffic/goaccess_check.py [LOG] [--markdown OUT]

LOG defaults to ../shared/data/logs/apache_logs. The log is imported by ``pledge logs ingest``
into a throw-away data directory under a copy of the alps policy whose time zone is UTC (so
days are GoAccess's days, which runs with TZ=UTC), and GoAccess reads the same file several
ways (default; ``--4xx-to-unique-count``; ``--crawlers-only -a`` to learn which browser
strings it calls crawlers; ``--ignore-crawlers``).

Differences come from definitions, not from reading: every line is also classified here both
ways (pledge's bot test, and membership in GoAccess's crawler list), and each difference is
predicted from those per-line facts and must match exactly. The script exits 1 if any
difference is left unexplained. It reads pledge's day counts directly from the database, small
groups included: a developer's check, not a report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REAL_LOG = REPO.parent / "shared" / "data" / "logs" / "apache_logs"


def goaccess(log: Path, *options: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            ["goaccess", str(log), "--log-format=COMBINED", "-o", out.name, "--no-progress",
             "--no-parsing-spinner", "--max-items=100000", *options],
            check=True, env={**os.environ, "TZ": "UTC"}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # GoAccess decodes %-escapes into raw bytes, not always UTF-8.
        return json.loads(Path(out.name).read_bytes().decode("utf-8", "replace"))


def per_day(report: dict, what: str) -> dict[str, int]:
    return {
        dt.datetime.strptime(v["data"], "%Y%m%d").date().isoformat(): v[what]["count"]
        for v in report["visitors"]["data"]
    }


def crawler_agents(log: Path) -> set[str]:
    hosts = goaccess(log, "--crawlers-only", "-a")["hosts"]["data"]
    return {a for h in hosts for a in h.get("items", [])}


def pledge_counts(log: Path, work: Path) -> tuple[dict, dict]:
    """Import ``log`` with pledge: (ingest totals, {(day, dimension, value): (views, visitors)})."""
    policy = work / "alps-utc.yaml"
    text = (REPO / "policies" / "alps.yaml").read_text()
    policy.write_text(text.replace("time_zone: Asia/Tokyo", "time_zone: UTC"))
    os.environ.update(
        PLEDGE_POLICY=str(policy),
        PLEDGE_DATA_DIR=str(work / "data"),
        PLEDGE_KEY_DIR=str(work / "keys"),
        DJANGO_SETTINGS_MODULE="pledge.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", database="keys", verbosity=0)
    call_command("migrate", verbosity=0)
    from pledge.traffic.models import DailyCount
    from pledge.traffic.services import logs_ingest

    result = logs_ingest(sources=[str(log)], now=dt.datetime(2015, 6, 1, tzinfo=dt.UTC))
    run = result.ingest
    rows = {
        (c.day.isoformat(), c.dimension, c.value): (c.views, c.visitors)
        for c in DailyCount.objects.all()
    }
    return {"read": run.lines_read, "counted": run.counted, "rejected": run.rejected,
            "bots": run.bots, "duplicates": run.duplicates}, rows  # fmt: skip


def lines_model(log: Path, crawlers: set[str]) -> list[dict]:
    """Every line with the facts both tools count by, from pledge's own parser."""
    import polars as pl

    from pledge.traffic import classify, parse

    frame = parse.parse(parse.lines_frame(log.read_bytes(), 1), now=dt.datetime.now(dt.UTC))
    frame = frame.filter(pl.col("reason").is_null())
    bots = {a: classify.agent_classify(a).bot is not None for a in frame["agent"].unique()}
    return [
        {"day": r["time"].date().isoformat(), "ip": r["ip"], "agent": r["agent"],
         "status": r["status"], "pledge_bot": bots[r["agent"]],
         "goaccess_crawler": r["agent"] in crawlers}
        for r in frame.iter_rows(named=True)
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=REAL_LOG)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    if not args.log.is_file():
        print(f"no log at {args.log}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO / "src"))
    work = Path(tempfile.mkdtemp(prefix="pledge-goaccess-check-"))
    try:
        return _check(args.log, work, args.markdown)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check(log: Path, work: Path, markdown: Path | None) -> int:
    default = goaccess(log)
    with_4xx = goaccess(log, "--4xx-to-unique-count")
    no_crawlers = goaccess(log, "--ignore-crawlers")
    crawlers = crawler_agents(log)
    totals, counts = pledge_counts(log, work)
    model = lines_model(log, crawlers)
    days = sorted({d for d, _, _ in counts})

    def ours(day: str, value: str, i: int) -> int:
        return counts.get((day, "site", value), (0, 0))[i]

    rows: list[tuple[str, object, object, str]] = []
    unexplained = 0

    def row(what: str, goa: object, ple: object, why: str, predicted: object = None) -> None:
        nonlocal unexplained
        if goa != ple and predicted != (goa, ple):
            unexplained += 1
            why = f"UNEXPLAINED ({why})"
        rows.append((what, goa, ple, why))

    g = default["general"]
    row("lines read", g["total_requests"], totals["read"], "same")
    row("valid lines", g["valid_requests"], totals["counted"], "same (no line rejected by either)")
    for day in days:
        hits = per_day(default, "hits").get(day, 0)
        row(f"hits {day}", hits, ours(day, "human", 0) + ours(day, "bot", 0),
            "people and bots together")  # fmt: skip
    # Visitors: both define one as (address, browser string, day).
    for day in days:
        on_day = [m for m in model if m["day"] == day]
        everyone = len({(m["ip"], m["agent"]) for m in on_day})
        no_4xx = len({(m["ip"], m["agent"]) for m in on_day if not 400 <= m["status"] < 500})
        mine = ours(day, "human", 1) + ours(day, "bot", 1)
        row(f"visitors {day} (--4xx-to-unique-count)", per_day(with_4xx, "visitors").get(day),
            mine, "same definition", (everyone, everyone))  # fmt: skip
        row(f"visitors {day} (GoAccess default)", per_day(default, "visitors").get(day), mine,
            f"GoAccess leaves out hits with a 4xx status: {everyone - no_4xx} visitors had only "
            "those", (no_4xx, everyone))  # fmt: skip
    # Bots: the same idea, two lists.
    goa_only = Counter(m["agent"] for m in model if m["goaccess_crawler"] and not m["pledge_bot"])
    ple_only = Counter(m["agent"] for m in model if m["pledge_bot"] and not m["goaccess_crawler"])
    goa_bots = sum(1 for m in model if m["goaccess_crawler"])
    ple_bots = sum(1 for m in model if m["pledge_bot"])
    row("bot lines", no_crawlers["general"]["total_requests"] - no_crawlers["general"][
        "valid_requests"], totals["bots"],
        f"{sum(goa_only.values())} lines GoAccess calls crawlers and pledge does not, "
        f"{sum(ple_only.values())} the other way (listed below)", (goa_bots, ple_bots))  # fmt: skip
    # Status classes of people's requests (GoAccess --ignore-crawlers against pledge's people).
    for item in no_crawlers["status_codes"]["data"]:
        cls = item["data"][:1] + "xx"
        goa = item["hits"]["count"]
        mine = sum(v for (d, dim, val), (v, _) in counts.items() if dim == "status" and val == cls)
        predicted_goa = sum(1 for m in model if not m["goaccess_crawler"]
                            and str(m["status"])[0] == cls[0])  # fmt: skip
        predicted_mine = sum(1 for m in model if not m["pledge_bot"]
                             and str(m["status"])[0] == cls[0])  # fmt: skip
        row(f"people's {cls} requests", goa, mine, "the bot lists differ (above)",
            (predicted_goa, predicted_mine))  # fmt: skip
    lines = ["| measure | GoAccess 1.7 | pledge | why they differ |", "|---|---:|---:|---|"]
    lines += [f"| {w} | {g} | {p} | {y} |" for w, g, p, y in rows]
    lines += ["", "Browser strings GoAccess calls crawlers and pledge counts as people "
              "(lines):", ""]  # fmt: skip
    lines += [f"- {n} lines: `{a}`" for a, n in goa_only.most_common()]
    lines += ["", "Browser strings pledge counts as bots and GoAccess as people (lines):", ""]
    lines += [f"- {n} lines: `{a}`" for a, n in ple_only.most_common()]
    text = "\n".join(lines) + "\n"
    print(text)
    if markdown:
        markdown.write_text(text)
    if unexplained:
        print(f"{unexplained} differences are not explained", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
