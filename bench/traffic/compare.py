"""GoAccess and ``pledge logs ingest`` side by side on the same generated logs.

    .venv/bin/python bench/traffic/compare.py --sizes 1000000 10000000 --repeat 2

For each size the generator (``bench/traffic/generate.py``, fixed seed) writes a combined-format
log once under ``bench/out/traffic/`` (ignored by git). Then, alternately and ``--repeat``
times:

- GoAccess (Debian's 1.7): ``TZ=UTC goaccess FILE --log-format=COMBINED -o report.json
  --no-progress --no-parsing-spinner`` (its best settings here: TZ set saves a stat of
  /etc/localtime per line, and no progress output; 1.7 has no parallel parsing);
- pledge: ``pledge logs ingest --no-progress --timing FILE`` under the alps policy (the whole
  pipeline: parse, classify, country, visitor hashes, encrypted raw Parquet, counts in SQLite)
  into a fresh data directory whose database was migrated beforehand (not timed).

Each run is timed as a process by GNU time (wall clock, CPU time, peak resident memory),
start-up included. Python's compiled bytecode is cached under ``bench/out/traffic/pycache``
and warmed by an untimed run first, as an installed pledge would have it (this checkout's
environment sets ``PYTHONDONTWRITEBYTECODE``, which would otherwise have every run compile
every module again, three seconds of start-up no deployment pays).

Lines per second and the ratio use the median wall time. The machine is shared: the load
average is recorded before and after each run, and the CPU time of each tool is reported too
(it depends less on what else runs). ``--also NAME=SRC`` times another pledge source tree the
same way (``PYTHONPATH=SRC``), such as the previous commit's ``src``.
"""

from __future__ import annotations

import argparse
import itertools
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
OUT = REPO / "bench" / "out" / "traffic"  # ignored by git (/bench/out/)
PLEDGE = REPO / ".venv" / "bin" / "pledge"
TIME = "/usr/bin/time"


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(command: list[str], env: dict[str, str]) -> dict:
    """Wall seconds, CPU seconds (user + system), peak RSS in MB, and output of one process."""
    result = subprocess.run(
        [TIME, "-f", "@@ %e %U %S %M", *command],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"@@ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", result.stderr)
    assert match, result.stderr
    return {
        "wall": float(match[1]),
        "cpu": round(float(match[2]) + float(match[3]), 2),
        "rss_mb": int(match[4]) // 1024,
        "output": result.stdout,
    }


def generated(lines: int) -> Path:
    path = OUT / f"{lines // 1_000_000}m.log" if lines % 1_000_000 == 0 else OUT / f"{lines}.log"
    if not path.exists():
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), "--lines", str(lines), "-o", str(path)],
            check=True,
        )
    return path


def goaccess(log: Path, work: Path) -> dict:
    outcome = timed(
        ["goaccess", str(log), "--log-format=COMBINED", "-o", str(work / "report.json"),
         "--no-progress", "--no-parsing-spinner"],
        {**os.environ, "TZ": "UTC"},
    )  # fmt: skip
    del outcome["output"]
    return outcome


def pledge_env(work: Path, src: Path | None) -> dict[str, str]:
    env = {
        **os.environ,
        "PLEDGE_POLICY": str(REPO / "policies" / "alps.yaml"),
        "PLEDGE_DATA_DIR": str(work / "pledge" / "data"),
        "PLEDGE_KEY_DIR": str(work / "pledge" / "keys"),
        "PYTHONPYCACHEPREFIX": str(OUT / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def pledge(log: Path, work: Path, src: Path | None = None) -> dict:
    shutil.rmtree(work / "pledge", ignore_errors=True)
    env = pledge_env(work, src)
    for database in ("keys", "default"):
        subprocess.run([str(PLEDGE), "migrate", "--database", database, "-v0"], env=env,
                       check=True)  # fmt: skip
    outcome = timed([str(PLEDGE), "logs", "ingest", "--no-progress", "--timing", str(log)], env)
    output = outcome.pop("output")
    counted = re.search(r"counted\s+([\d,]+)", output)
    stages = re.search(r"time by stage: (.*)", output)
    shutil.rmtree(work / "pledge", ignore_errors=True)
    return {
        **outcome,
        "counted": int(counted[1].replace(",", "")) if counted else None,
        "stages": stages[1] if stages else "",
    }


def warm(work: Path, srcs: list[Path | None]) -> None:
    """One untimed import of a few lines per source tree: Python's bytecode is then cached."""
    sample = work / "warm.log"
    with generated(1_000_000).open("rb") as log:
        sample.write_bytes(b"".join(itertools.islice(log, 1000)))
    for src in srcs:
        pledge(sample, work, src)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--also", action="append", default=[], metavar="NAME=SRC",
                        help="time another pledge source tree too (PYTHONPATH=SRC)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=OUT / "compare.json")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    others = {name: Path(src).resolve() for name, src in (a.split("=", 1) for a in args.also)}
    version = subprocess.run(["goaccess", "--version"], capture_output=True, text=True).stdout
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
               "goaccess": version.splitlines()[0], "sizes": {}}  # fmt: skip
    tools = {"goaccess": goaccess, "pledge": pledge}
    tools |= {name: (lambda log, work, s=src: pledge(log, work, s)) for name, src in others.items()}
    with tempfile.TemporaryDirectory(prefix="pledge-compare-") as tmp:
        warm(Path(tmp), [None, *others.values()])
    for lines in args.sizes:
        log = generated(lines)
        runs: dict[str, list[dict]] = {name: [] for name in tools}
        with tempfile.TemporaryDirectory(prefix="pledge-compare-") as tmp:
            work = Path(tmp)
            for i in range(args.repeat):
                order = list(tools.items())
                for name, run in order if i % 2 == 0 else order[::-1]:
                    before = load()
                    outcome = run(log, work)
                    outcome["load"] = [before, load()]
                    runs[name].append(outcome)
                    print(f"{lines:>11,} {name:8s} {outcome}", flush=True)
        summary: dict = {}
        for name, outcomes in runs.items():
            wall = statistics.median(o["wall"] for o in outcomes)
            summary[name] = {
                "wall": wall,
                "cpu": statistics.median(o["cpu"] for o in outcomes),
                "lines_per_s": lines / wall,
                "rss_mb": max(o["rss_mb"] for o in outcomes),
                "runs": outcomes,
            }
        for name in tools:
            if name != "goaccess":
                summary[name]["ratio"] = (
                    summary[name]["lines_per_s"] / summary["goaccess"]["lines_per_s"]
                )
        results["sizes"][str(lines)] = summary
    args.json.write_text(json.dumps(results, indent=2))
    print()
    print("| lines | tool | lines/s | ÷ GoAccess | wall s (runs) | CPU s | peak RSS MB "
          "| load before → after |")  # fmt: skip
    print("|---:|---|---:|---:|---|---:|---:|---|")
    for lines, s in results["sizes"].items():
        for name in tools:
            t = s[name]
            walls = ", ".join(f"{o['wall']:.1f}" for o in t["runs"])
            loads = "; ".join(f"{o['load'][0]:.1f} → {o['load'][1]:.1f}" for o in t["runs"])
            ratio = f"{t['ratio']:.2f}" if "ratio" in t else "1"
            print(f"| {int(lines):,} | {name} | {t['lines_per_s']:,.0f} | {ratio} | {walls} "
                  f"| {t['cpu']:.1f} | {t['rss_mb']} | {loads} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
