"""GoAccess and ``pledge logs ingest`` side by side on the same generated logs.

    python3 -m uv run python bench/traffic/compare.py --sizes 1000000 10000000 --repeat 2

For each size the generator (``bench/traffic/generate.py``, fixed seed) writes a combined-format
log once under ``bench/traffic/out/``. Then, alternately and ``--repeat`` times:

- GoAccess 1.7 (Debian): ``TZ=UTC goaccess FILE --log-format=COMBINED -o report.json
  --no-progress --no-parsing-spinner`` (its best settings here: TZ set saves a stat of
  /etc/localtime per line, and no progress output);
- pledge: ``pledge logs ingest --no-progress FILE`` under the alps policy (the whole pipeline:
  parse, classify, country, visitor hashes, encrypted raw Parquet, counts in SQLite) into a
  fresh data directory whose database was migrated beforehand (not timed).

Each run is timed as a process by GNU time (wall clock, peak resident memory), start-up
included. Lines per second and the ratio use the median wall time. The machine's load average
is recorded beside each run: the benchmark shares two cores with whatever else is running.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
OUT = BENCH / "out"
PLEDGE = REPO / ".venv" / "bin" / "pledge"
TIME = "/usr/bin/time"


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, output) of one process."""
    result = subprocess.run(
        [TIME, "-f", "@@ %e %M", *command],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"@@ ([\d.]+) (\d+)", result.stderr)
    assert match, result.stderr
    return float(match[1]), int(match[2]) // 1024, result.stdout


def generated(lines: int) -> Path:
    path = OUT / f"{lines // 1_000_000}m.log" if lines % 1_000_000 == 0 else OUT / f"{lines}.log"
    if not path.exists():
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), "--lines", str(lines), "-o", str(path)],
            check=True,
        )
    return path


def goaccess(log: Path, work: Path) -> dict:
    wall, rss, _ = timed(
        ["goaccess", str(log), "--log-format=COMBINED", "-o", str(work / "report.json"),
         "--no-progress", "--no-parsing-spinner"],
        {**os.environ, "TZ": "UTC"},
    )  # fmt: skip
    return {"wall": wall, "rss_mb": rss}


def pledge(log: Path, work: Path) -> dict:
    shutil.rmtree(work / "pledge", ignore_errors=True)
    env = {
        **os.environ,
        "PLEDGE_POLICY": str(REPO / "policies" / "alps.yaml"),
        "PLEDGE_DATA_DIR": str(work / "pledge" / "data"),
        "PLEDGE_KEY_DIR": str(work / "pledge" / "keys"),
    }
    for database in ("keys", "default"):
        subprocess.run([str(PLEDGE), "migrate", "--database", database, "-v0"], env=env,
                       check=True)  # fmt: skip
    wall, rss, output = timed([str(PLEDGE), "logs", "ingest", "--no-progress", "--timing",
                               str(log)], env)  # fmt: skip
    counted = re.search(r"counted\s+([\d,]+)", output)
    stages = re.search(r"time by stage: (.*)", output)
    return {
        "wall": wall,
        "rss_mb": rss,
        "counted": int(counted[1].replace(",", "")) if counted else None,
        "stages": stages[1] if stages else "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path, default=OUT / "compare.json")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["goaccess", "--version"], capture_output=True, text=True).stdout
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
               "goaccess": version.splitlines()[0], "sizes": {}}  # fmt: skip
    for lines in args.sizes:
        log = generated(lines)
        runs: dict[str, list[dict]] = {"goaccess": [], "pledge": []}
        with tempfile.TemporaryDirectory(prefix="pledge-compare-") as tmp:
            work = Path(tmp)
            for i in range(args.repeat):
                order = [("goaccess", goaccess), ("pledge", pledge)]
                for name, run in order if i % 2 == 0 else order[::-1]:
                    before = load()
                    outcome = run(log, work)
                    outcome["load"] = [before, load()]
                    runs[name].append(outcome)
                    print(f"{lines:>11,} {name:8s} {outcome}", flush=True)
        summary = {}
        for name, outcomes in runs.items():
            wall = statistics.median(o["wall"] for o in outcomes)
            summary[name] = {
                "wall": wall,
                "lines_per_s": lines / wall,
                "rss_mb": max(o["rss_mb"] for o in outcomes),
                "runs": outcomes,
            }
        summary["ratio"] = summary["pledge"]["lines_per_s"] / summary["goaccess"]["lines_per_s"]
        results["sizes"][str(lines)] = summary
    args.json.write_text(json.dumps(results, indent=2))
    print()
    print("| lines | GoAccess lines/s | GoAccess peak MB | pledge lines/s | pledge peak MB "
          "| pledge ÷ GoAccess |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|")
    for lines, s in results["sizes"].items():
        g, p = s["goaccess"], s["pledge"]
        print(f"| {int(lines):,} | {g['lines_per_s']:,.0f} | {g['rss_mb']} | "
              f"{p['lines_per_s']:,.0f} | {p['rss_mb']} | {s['ratio']:.2f}x |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
