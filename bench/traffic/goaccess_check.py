"""Check pledge's counts against GoAccess on a real log, and explain every difference.

    .venv/bin/python bench/traffic/goaccess_check.py [LOG] [--markdown OUT] [--json OUT]

LOG defaults to ../shared/data/logs/apache_logs. The log is imported by ``pledge logs ingest``
into a throw-away data directory under a copy of the alps policy whose time zone is UTC (so
days are GoAccess's days, which runs with TZ=UTC), and GoAccess reads the same file several
ways: by default; ``--4xx-to-unique-count``; ``--ignore-crawlers --no-query-string`` (its
people, and pages without their query, as pledge counts them); ``--crawlers-only -a`` (which
browser strings it calls crawlers); and once per distinct browser string (which browser family
it names each).

Differences come from definitions, not from reading: every line is also described here the
way each tool counts it (pledge's bot test and page, GoAccess's crawler list, its decoded path,
its referring site, its browser family), each difference is predicted from those per-line
facts, and the prediction must match both tools exactly. The script exits 1 if any difference
is left unexplained. pledge's counts are read from the database, small groups included: a
developer's check, not a report. ``compare`` is what ``tests/traffic/test_goaccess.py`` asserts.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[2]
REAL_LOG = REPO.parent / "shared" / "data" / "logs" / "apache_logs"
NOW = dt.datetime(2015, 6, 1, tzinfo=dt.UTC)  # the log is of May 2015: within every period


def goaccess(log: Path, *options: str) -> dict:
    """GoAccess's JSON report of ``log`` (TZ=UTC, every item listed)."""
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


def panel(report: dict, *names: str) -> Counter[str]:
    """Hits per item of one or more panels, summed."""
    hits: Counter[str] = Counter()
    for name in names:
        for item in report[name]["data"]:
            hits[item["data"]] += item["hits"]["count"]
    return hits


def crawler_agents(log: Path) -> set[str]:
    hosts = goaccess(log, "--crawlers-only", "-a")["hosts"]["data"]
    return {a for h in hosts for a in h.get("items", [])}


def goaccess_families(agents: set[str], work: Path) -> dict[str, str]:
    """The browser family GoAccess names each browser string (a one-line log each)."""
    sample = '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "{}"\n'

    def family(pair: tuple[int, str]) -> tuple[str, str]:
        i, agent = pair
        log = work / f"agent-{i}.log"
        log.write_text(sample.format(agent))
        browsers = goaccess(log)["browsers"]["data"]
        return agent, browsers[0]["data"] if browsers else "(none)"

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(family, enumerate(sorted(agents))))


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
    from pledge.traffic.services import logs_ingest

    run = logs_ingest(sources=[str(log)], now=NOW).ingest
    return pledge_totals(run), pledge_rows()


def pledge_totals(run: object) -> dict:
    return {k: getattr(run, k) for k in ("lines_read", "counted", "rejected", "bots")}


def pledge_rows() -> dict:
    from pledge.traffic.models import DailyCount

    return {
        (c.day.isoformat(), c.dimension, c.value): (c.views, c.visitors)
        for c in DailyCount.objects.all()
    }


@dataclass(frozen=True)
class Line:
    """One line, as each tool counts it."""

    day: str
    visitor: tuple[str, str]  # address and browser string: both tools' visitor
    status: int
    pledge_bot: bool
    goaccess_crawler: bool
    page: str  # pledge's: the path, undecoded, without query
    path: str  # GoAccess's: the path %-decoded, without query
    site: str  # pledge's referring site ("(direct)" for "-")
    goaccess_site: str | None  # GoAccess's (none for "-")
    agent: str
    agent_closed: bool  # the browser string ends in its quote (else GoAccess names no browser)


def lines_model(log: Path, crawlers: set[str]) -> list[Line]:
    """Every line with the facts both tools count by, from pledge's own parser and rules."""
    import polars as pl

    from pledge.traffic import classify, parse

    frame = parse.parse(parse.lines_frame(log.read_bytes(), 1), now=NOW)
    frame = frame.filter(pl.col("reason").is_null()).with_columns(
        page=classify.page(pl.col("method"), pl.col("target")),
        site=classify.referrer_host(pl.col("referrer")),
    )
    bots = {a: classify.agent_classify(a).bot is not None for a in frame["agent"].unique()}
    return [
        Line(
            day=r["time"].date().isoformat(), visitor=(r["ip"], r["agent"]), status=r["status"],
            pledge_bot=bots[r["agent"]], goaccess_crawler=r["agent"] in crawlers,
            page=r["page"], path=unquote(r["target"].split("?", 1)[0]), site=r["site"],
            goaccess_site=urlsplit(r["referrer"]).hostname if r["referrer"] != "-" else None,
            agent=r["agent"], agent_closed=r["line"].endswith('"'),
        )
        for r in frame.iter_rows(named=True)
    ]  # fmt: skip


@dataclass
class Row:
    measure: str
    goaccess: object
    pledge: object
    why: str
    explained: bool


@dataclass
class Comparison:
    rows: list[Row]
    goaccess_only_crawlers: Counter[str]  # browser string -> lines
    pledge_only_bots: Counter[str]
    families: Counter[tuple[str, str]]  # (pledge family, GoAccess family) -> people's lines

    def unexplained(self) -> list[Row]:
        return [r for r in self.rows if not r.explained]


def compare(
    log: Path,
    work: Path,
    counts: Callable[[Path, Path], tuple[dict, dict]] = pledge_counts,
) -> Comparison:
    """GoAccess and pledge on ``log``, every measure side by side, each difference predicted
    from the per-line model. ``counts`` imports the log with pledge (the test passes its own,
    inside its test database)."""
    default = goaccess(log)
    with_4xx = goaccess(log, "--4xx-to-unique-count")
    people = goaccess(log, "--ignore-crawlers", "--no-query-string")
    crawlers = crawler_agents(log)
    totals, rows_ = counts(log, work)
    model = lines_model(log, crawlers)
    families = goaccess_families(
        {m.agent for m in model if not m.goaccess_crawler and m.agent_closed}, work
    )
    days = sorted({d for d, _, _ in rows_})
    rows: list[Row] = []

    def ours(dimension: str, value: str, i: int, day: str | None = None) -> int:
        return sum(v[i] for (d, dim, val), v in rows_.items()
                   if dim == dimension and val == value and day in (None, d))  # fmt: skip

    def row(what: str, goa: object, ple: object, why: str, predicted: object = None) -> None:
        explained = goa == ple or predicted == (goa, ple)
        rows.append(Row(what, goa, ple, why if explained else f"UNEXPLAINED ({why})", explained))

    g = default["general"]
    row("lines read", g["total_requests"], totals["lines_read"], "the same")
    row("valid lines", g["valid_requests"], totals["counted"], "the same: none rejected by either")
    for day in days:
        hits = per_day(default, "hits").get(day, 0)
        row(f"requests {day}", hits, ours("site", "human", 0, day) + ours("site", "bot", 0, day),
            "the same: people and bots together")  # fmt: skip
    # Visitors: both define one as (address, browser string, day).
    for day in days:
        on_day = [m for m in model if m.day == day]
        everyone = len({m.visitor for m in on_day})
        no_4xx = len({m.visitor for m in on_day if not 400 <= m.status < 500})
        mine = ours("site", "human", 1, day) + ours("site", "bot", 1, day)
        row(f"visitors {day}, GoAccess --4xx-to-unique-count", per_day(with_4xx, "visitors")
            .get(day), mine, "the same definition", (everyone, everyone))  # fmt: skip
        row(f"visitors {day}, GoAccess default", per_day(default, "visitors").get(day), mine,
            f"GoAccess leaves out requests answered 4xx: {everyone - no_4xx} visitors had "
            "only those", (no_4xx, everyone))  # fmt: skip
    # Bots: the same idea, two lists.
    goa_only = Counter(m.agent for m in model if m.goaccess_crawler and not m.pledge_bot)
    ple_only = Counter(m.agent for m in model if m.pledge_bot and not m.goaccess_crawler)
    goa_bots = sum(m.goaccess_crawler for m in model)
    ple_bots = sum(m.pledge_bot for m in model)
    pg = people["general"]
    row("bots' requests", pg["total_requests"] - pg["valid_requests"], totals["bots"],
        f"two lists: {sum(goa_only.values())} lines GoAccess calls crawlers and pledge "
        f"people, {sum(ple_only.values())} the other way (listed below)",
        (goa_bots, ple_bots))  # fmt: skip
    goa_people = [m for m in model if not m.goaccess_crawler]
    ple_people = [m for m in model if not m.pledge_bot]
    # Status classes, pages, referring sites, browsers: people only, on both sides.
    for item in people["status_codes"]["data"]:
        cls = item["data"][:1] + "xx"
        predicted = (sum(str(m.status)[0] == cls[0] for m in goa_people),
                     sum(str(m.status)[0] == cls[0] for m in ple_people))  # fmt: skip
        row(f"people's {cls} requests", item["hits"]["count"], ours("status", cls, 0),
            "the bot lists differ", predicted)  # fmt: skip
    goa_pages = panel(people, "requests", "static_requests", "not_found")
    ple_pages = Counter({v: c[0] for (_, dim, v), c in _by_value(rows_, "page").items()})
    pred_goa, pred_ple = Counter(m.path for m in goa_people), Counter(m.page for m in ple_people)
    shown_goa, shown_ple, predicted = _items_alike(goa_pages, ple_pages, (pred_goa, pred_ple))
    decoded = {m.page for m in model if m.page != m.path}
    row("people's requests per page: pages with the same count", shown_goa, shown_ple,
        "the bot lists differ; GoAccess files static files (images, scripts, styles) and 404s "
        f"in panels of their own (added up here), and %-decodes paths ({len(decoded)} pages "
        "pledge keeps as requested)", predicted)  # fmt: skip
    goa_sites = panel(people, "referring_sites")
    ple_sites = Counter({v: c[0] for (_, dim, v), c in _by_value(rows_, "referrer").items()})
    pred_goa = Counter(m.goaccess_site for m in goa_people if m.goaccess_site)
    pred_ple = Counter(m.site for m in ple_people)
    shown_goa, shown_ple, predicted = _items_alike(goa_sites, ple_sites, (pred_goa, pred_ple))
    row("people's requests per referring site: sites with the same count", shown_goa, shown_ple,
        f"the bot lists differ; pledge also counts \"(direct)\" ({ple_sites['(direct)']} "
        "requests without a referrer), which GoAccess leaves out", predicted)  # fmt: skip
    goa_browsers = panel(people, "browsers")
    ple_browsers = Counter({v: c[0] for (_, dim, v), c in _by_value(rows_, "browser").items()})
    pred_goa = Counter(families[m.agent] for m in goa_people if m.agent_closed)
    unclosed = sum(not m.agent_closed for m in goa_people)
    pledge_family = {a: _family(a) for a in {m.agent for m in model}}
    pred_ple = Counter(pledge_family[m.agent] for m in ple_people)
    crossed = Counter(
        (pledge_family[m.agent], families[m.agent])
        for m in model if not m.goaccess_crawler and not m.pledge_bot and m.agent_closed
    )  # fmt: skip
    row("people's requests per browser family: families", len(goa_browsers), len(ple_browsers),
        "two classifiers (GoAccess's own list, ua-parser's uap-core) with their own names: "
        "the lines of each pair of families are listed below; GoAccess names no browser for "
        f"{unclosed} line(s) whose browser string lacks its closing quote, which pledge "
        "reads to the end of the line",
        (len(goa_browsers), len(ple_browsers))
        if (goa_browsers, ple_browsers) == (pred_goa, pred_ple) else None)  # fmt: skip
    return Comparison(rows, goa_only, ple_only, crossed)


def _items_alike(
    goa: Counter[str], ple: Counter[str], predicted: tuple[Counter[str], Counter[str]]
) -> tuple[str, str, tuple[str, str] | None]:
    """How many items of a panel both tools count alike, as each side shows it, and that
    pair again if both tools' counts are exactly the per-line model's (None if not)."""
    same = sum(goa[k] == ple[k] for k in goa.keys() | ple.keys())
    shown = (f"{same} of {len(goa)}", f"{same} of {len(ple)}")
    return *shown, shown if (goa, ple) == predicted else None


def _by_value(rows: dict, dimension: str) -> dict:
    """(views, visitors) per value of one dimension, summed over the days."""
    out: dict = {}
    for (_, dim, value), (views, visitors) in rows.items():
        if dim == dimension:
            v = out.setdefault(("", dim, value), [0, 0])
            v[0] += views
            v[1] += visitors
    return out


def _family(agent: str) -> str:
    from pledge.traffic import classify

    return classify.agent_classify(agent).browser


def markdown(c: Comparison) -> str:
    lines = ["| measure | GoAccess 1.7 | pledge | why they differ |", "|---|---:|---:|---|"]
    lines += [f"| {r.measure} | {r.goaccess} | {r.pledge} | {r.why} |" for r in c.rows]
    lines += [
        "",
        "Browser strings GoAccess calls crawlers and pledge counts as people (lines):",
        "",
    ]
    lines += [f"- {n}: `{a}`" for a, n in c.goaccess_only_crawlers.most_common()]
    lines += ["", "Browser strings pledge counts as bots and GoAccess as people (lines):", ""]
    lines += [f"- {n}: `{a}`" for a, n in c.pledge_only_bots.most_common()]
    lines += ["", "People's requests by browser family, as each names it (both call them people):",
              "", "| pledge (uap-core) | GoAccess | requests |", "|---|---|---:|"]  # fmt: skip
    lines += [f"| {p} | {g} | {n} |" for (p, g), n in c.families.most_common()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=REAL_LOG)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument("--json", type=Path, help="and the comparison as JSON here")
    args = parser.parse_args(argv)
    if not args.log.is_file():
        print(f"no log at {args.log}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO / "src"))
    work = Path(tempfile.mkdtemp(prefix="pledge-goaccess-check-"))
    try:
        result = compare(args.log, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = markdown(result)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in result.rows], indent=2, default=str))
    if result.unexplained():
        print(f"{len(result.unexplained())} differences are not explained", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
