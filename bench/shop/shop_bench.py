"""The shop over HTTPS under load: ``pledge serve`` with wrk, other servers, and a login's cost.

    .venv/bin/python bench/shop/shop_bench.py                 # everything, 45 minutes here
    .venv/bin/python bench/shop/shop_bench.py --phases serve --duration 5     # a quick look
    .venv/bin/python bench/shop/shop_bench.py --report bench/out/shop/shop.json

Phases (``--phases``, all by default):

``serve``
    ``pledge serve`` under ``policies/japan-centre.yaml`` in a fresh data and key directory on
    loopback ports, exactly as an operator starts it (first run included, untimed), and
    ``wrk --latency`` over HTTPS at each of ``--levels`` connections against three pages: the
    catalogue as a new visitor (no cookie: each request starts a session, since the page's
    add-to-basket forms put a CSRF token in it), the catalogue and the basket with the session
    cookie of a visitor who added an item by a real POST first.
``servers``
    The same application under each candidate server (``bench/shop/servers.py``), one worker
    process each, TLS with the same certificate, the same data directory and session. Each
    round starts every candidate in turn (the order rotates by round), warms it up for two
    seconds a page, runs wrk on each page (the page order rotates too), and stops it. Ratios
    are to uvicorn configured as ``pledge serve`` configures it, per round, then the median.
``login``
    Argon2id, PBKDF2 and the legacy SHA-512-wrapped hasher, hash+verify in this process; and
    real sign-in POSTs through two ``pledge serve`` processes, one as shipped (Argon2id), one
    whose only difference is PBKDF2 first in ``PASSWORD_HASHERS``
    (``bench/shop/settings/pledge_pbkdf2_settings.py``); imported customers' first sign-ins
    go to the first.

Candidates other than ``pledge serve`` run from a throwaway venv (``--venv``), built if
missing with uv from ``uv.lock``'s runtime dependencies plus the candidate packages; the
project's ``.venv``, ``pyproject.toml`` and ``uv.lock`` are left alone. Results go to
``bench/out/shop/shop.json`` and, as Markdown tables, ``shop.md`` beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import logins
from loadgen import WRK, Client, Load, basket_session, wait_until_serving, wrk
from servers import (
    BASELINE,
    CANDIDATES,
    REPO,
    Candidate,
    Paths,
    Process,
    free_port,
    site_env,
    venv_build,
    versions,
)

OUT = REPO / "bench" / "out" / "shop"  # git-ignored
POLICY = REPO / "policies" / "japan-centre.yaml"
SETTINGS_DIR = Path(__file__).resolve().parent / "settings"
WARM_UP_SECONDS = 2

# name -> (path, whether the visitor's session cookie is sent)
PAGES = {
    "catalogue-new": ("/shop/", False),
    "catalogue": ("/shop/", True),
    "basket": ("/basket/", True),
}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = Path("/proc/meminfo").read_text().split()[1]
    wrk_version = subprocess.run([WRK, "--version"], capture_output=True, text=True).stdout
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory) / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk_version.split("[", 1)[0].strip(),
    }


def src_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO / "src").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- one server, its pages -------------------------------------------------------------------


class Site:
    """A data and key directory, the session with a filled basket, and the server running now."""

    def __init__(self, root: Path, logs: Path) -> None:
        self.paths = Paths(venv=Path(), policy=POLICY, data=root / "data", keys=root / "keys")
        self.logs = logs
        self.cookie = ""
        self.slug = ""

    def with_venv(self, venv: Path) -> Site:
        self.paths = Paths(venv=venv, policy=POLICY, data=self.paths.data, keys=self.paths.keys)
        return self

    def start(self, candidate: Candidate, port: int) -> Process:
        if candidate.in_project_venv:
            env = site_env(self.paths)
        else:
            env = site_env(self.paths, pythonpath=[REPO / "src"])
        process = Process(
            candidate.argv(self.paths, port), env, self.logs / f"{candidate.name}.log"
        )
        try:
            wait_until_serving(port, self.paths.cert)
        except TimeoutError:
            process.stop()
            raise
        return process

    def check(self, port: int) -> None:
        """The pages answer as the shop does: 200, the product listed, the item in the basket."""
        client = Client(port, self.paths.cert)
        try:
            catalogue = client.get("/shop/")
            if catalogue.status != 200 or f"/shop/{self.slug}/" not in catalogue.body:
                raise AssertionError(f"catalogue: {catalogue.status}")
            client.cookies = dict(c.split("=", 1) for c in self.cookie.split("; "))
            basket = client.get("/basket/")
            if basket.status != 200 or f"/shop/{self.slug}/" not in basket.body:
                raise AssertionError(f"basket: {basket.status}, the item is missing")
        finally:
            client.close()

    def run_page(
        self, load: Load, port: int, page: str, process: Process, duration: int | None = None
    ) -> dict[str, Any]:
        """One wrk run, with the server's CPU time per request (less sensitive to the machine's
        other load than throughput: waiting for a core costs wall time, not CPU time)."""
        path, with_cookie = PAGES[page]
        cookie = self.cookie if with_cookie else None
        cpu = process.cpu_seconds()
        result = wrk(load, f"https://127.0.0.1:{port}{path}", cookie, duration)
        cpu = process.cpu_seconds() - cpu
        return {**result.as_dict(), "cpu_ms_per_request": 1000 * cpu / max(1, result.requests)}


def rotate(items: list[str], by: int) -> list[str]:
    by %= len(items)
    return items[by:] + items[:by]


# --- phases ----------------------------------------------------------------------------------


def show(what: str, r: dict[str, Any]) -> None:
    print(
        f"{what} {r['rps']:7.1f} req/s  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
        f"cpu {r['cpu_ms_per_request']:5.1f} ms/req  load {r['load']:.2f}",
        flush=True,
    )


def phase_serve(site: Site, load: Load, levels: list[int]) -> dict[str, Any]:
    candidate = CANDIDATES["pledge-serve"]
    port = free_port()
    process = site.start(candidate, port)
    results: list[dict[str, Any]] = []
    try:
        site.check(port)
        for page in PAGES:
            site.run_page(load, port, page, process, WARM_UP_SECONDS)
        for level in levels:
            level_load = Load(level, load.threads, load.duration)
            for page in PAGES:
                result = site.run_page(level_load, port, page, process)
                results.append({"connections": level, "page": page, **result})
                show(f"serve c={level:<3} {page:<14}", result)
        rss = process.rss_mib()
    finally:
        process.stop()
    return {"runs": results, "rss_mib": round(rss, 1)}


def phase_servers(site: Site, load: Load, names: list[str], rounds: int) -> dict[str, Any]:
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {page: [] for page in PAGES} for name in names
    }
    failures: dict[str, str] = {}
    rss: dict[str, list[float]] = {name: [] for name in names}
    loads: list[list[float]] = []
    for round_ in range(rounds):
        loads.append(load_average())
        for name in rotate(names, round_):
            if name in failures:
                continue
            port = free_port()
            try:
                process = site.start(CANDIDATES[name], port)
            except TimeoutError as exc:
                failures[name] = str(exc)
                print(f"round {round_}: {name} did not start: {exc}", flush=True)
                continue
            try:
                site.check(port)
                for page in PAGES:
                    site.run_page(load, port, page, process, WARM_UP_SECONDS)
                for page in rotate(list(PAGES), round_):
                    result = site.run_page(load, port, page, process)
                    runs[name][page].append({"round": round_, **result})
                    show(f"round {round_} {name:<13} {page:<14}", result)
                rss[name].append(process.rss_mib())
            except AssertionError as exc:
                failures[name] = str(exc)
                print(f"round {round_}: {name} failed: {exc}", flush=True)
            finally:
                process.stop()
    loads.append(load_average())
    return {"runs": runs, "failures": failures, "rss_mib": rss, "load_by_round": loads}


def phase_login(root: Path, logs: Path, main: Site, runs: int) -> dict[str, Any]:
    """Hashers in this process, then sign-in POSTs through two ``pledge serve`` processes."""
    peer = Site(root / "pbkdf2", logs)
    main_env = site_env(main.paths)
    peer_env = site_env(peer.paths, settings="pledge_pbkdf2_settings", pythonpath=[SETTINGS_DIR])

    os.environ.update(
        {
            k: main_env[k]
            for k in (
                "PLEDGE_POLICY",
                "PLEDGE_DATA_DIR",
                "PLEDGE_KEY_DIR",
                "DJANGO_SETTINGS_MODULE",
            )
        }
    )
    import django

    django.setup()
    hashers = logins.hashers_measure(runs)
    print("hashers:", json.dumps(hashers), flush=True)

    main_port, peer_port = free_port(), free_port()
    serve = CANDIDATES["pledge-serve"]
    main_process = main.start(serve, main_port)
    peer_process: Process | None = None
    try:
        peer_process = Process(serve.argv(peer.paths, peer_port), peer_env, logs / "pbkdf2.log")
        wait_until_serving(peer_port, peer.paths.cert)
        algorithms = {
            "argon2id": logins.customer_create(main_env, "argon2-customer@example.org"),
            "pbkdf2": logins.customer_create(peer_env, "pbkdf2-customer@example.org"),
        }
        if algorithms != {"argon2id": "argon2", "pbkdf2": "pbkdf2_sha256"}:
            raise AssertionError(f"customers hashed with {algorithms}")
        legacy = logins.legacy_import(main_env, root, runs)
        targets = {
            "argon2id": logins.Target(
                main_port, main.paths.cert, main_process, ["argon2-customer@example.org"]
            ),
            "pbkdf2": logins.Target(
                peer_port, peer.paths.cert, peer_process, ["pbkdf2-customer@example.org"]
            ),
            "legacy": logins.Target(main_port, main.paths.cert, main_process, legacy),
        }
        load_before = load_average()
        sign_ins = logins.sign_ins_measure(targets, runs)
        load_after = load_average()
        print("sign-ins:", json.dumps(sign_ins), flush=True)
    finally:
        main_process.stop()
        if peer_process is not None:
            peer_process.stop()
    with sqlite3.connect(main.paths.data / "pledge.sqlite3") as db:
        left = db.execute(
            "SELECT count(*) FROM accounts_user WHERE password LIKE 'argon2_sha512$%'"
        ).fetchone()[0]
    if left:
        raise AssertionError(f"{left} imported passwords were not upgraded at first sign-in")
    return {"hashers": hashers, "sign_ins": sign_ins, "load": [load_before, load_after]}


# --- the report ------------------------------------------------------------------------------


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _ratios(
    runs: list[dict[str, Any]], base: list[dict[str, Any]], key: str
) -> tuple[float, float, float]:
    """The candidate's value over the baseline's in the same round: median, least, greatest."""
    by_round = {run["round"]: run[key] for run in base}
    ratios = [run[key] / by_round[run["round"]] for run in runs if run["round"] in by_round]
    if not ratios:
        return (float("nan"),) * 3
    return statistics.median(ratios), min(ratios), max(ratios)


def _servers_tables(servers: dict[str, Any], args: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    rounds = len(servers["load_by_round"]) - 1
    add(
        f"### Servers, one worker each (wrk -t{args['threads']} -c{args['connections']} "
        f"-d{args['duration']}s --latency, {rounds} rounds, medians)"
    )
    add("")
    loads = ", ".join(str(x[0]) for x in servers["load_by_round"])
    add(f"Load average (1 min) at each round's start and at the end: {loads}.")
    add("")
    base = servers["runs"][BASELINE]
    for page, (path, cookie) in PAGES.items():
        add(f"**{page}** (`{path}`, {'session cookie' if cookie else 'no cookie'})")
        add("")
        add(
            "| server | interface | requests/s | x uvicorn (range) | p50 ms | p99 ms | "
            "p99 x uvicorn | CPU ms/request | CPU x uvicorn | errors | RSS MiB |"
        )
        add("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, pages in servers["runs"].items():
            runs = pages[page]
            if not runs:
                continue
            rps = _ratios(runs, base[page], "rps")
            add(
                f"| {CANDIDATES[name].label} | {CANDIDATES[name].interface} | "
                f"{_median(runs, 'rps'):.1f} | {rps[0]:.2f} ({rps[1]:.2f}-{rps[2]:.2f}) | "
                f"{_median(runs, 'p50_ms'):.0f} | {_median(runs, 'p99_ms'):.0f} | "
                f"{_ratios(runs, base[page], 'p99_ms')[0]:.2f} | "
                f"{_median(runs, 'cpu_ms_per_request'):.1f} | "
                f"{_ratios(runs, base[page], 'cpu_ms_per_request')[0]:.2f} | "
                f"{sum(r['non_2xx'] + r['socket_errors'] for r in runs)} | "
                f"{statistics.median(servers['rss_mib'][name]):.0f} |"
            )
        add("")
    for name, why in servers["failures"].items():
        add(f"- {name} failed: {why}")
    return "\n".join(lines)


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    m = results["machine"]
    load = results["load"]
    add(
        f"Run {results['started']} (src digest {results['src_digest']}). {m['cores']} cores, "
        f"{m['cpu']}, {m['memory_gib']} GiB, Linux {m['kernel']}, Python {m['python']}, "
        f"{m['wrk']}. Load average (1, 5, 15 min) {load['start']} at the start, "
        f"{load['end']} at the end."
    )
    if "versions" in results:
        add("Servers: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()) + ".")
    add("")
    args = results["args"]
    if "serve" in results:
        add(f"### pledge serve alone (wrk -t{args['threads']} -d{args['duration']}s --latency)")
        add("")
        add(
            "| connections | page | requests/s | p50 ms | p99 ms | server CPU ms/request | "
            "non-2xx | load (1 min) |"
        )
        add("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for run in results["serve"]["runs"]:
            add(
                f"| {run['connections']} | {run['page']} | {run['rps']:.1f} | "
                f"{run['p50_ms']:.1f} | {run['p99_ms']:.1f} | {run['cpu_ms_per_request']:.1f} | "
                f"{run['non_2xx']} | {run['load']:.2f} |"
            )
        add("")
        add(f"Resident memory after the runs: {results['serve']['rss_mib']} MiB.")
        add("")
    if "servers" in results:
        add(_servers_tables(results["servers"], args))
    if "login" in results:
        login = results["login"]
        hashers = login["hashers"]
        add(f"### One login ({args['logins']} runs each, interleaved; ratios to PBKDF2)")
        add("")
        add("In this process (CPU time counts every thread):")
        add("")
        add(
            "| hasher | parameters | hash+verify wall median / p95 ms | CPU median / p95 ms | "
            "verify wall median / p95 ms | verify CPU median ms | verify x PBKDF2 (wall, CPU) |"
        )
        add("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        peer = hashers["pbkdf2"]["verify_wall"]["median_ms"]
        peer_cpu = hashers["pbkdf2"]["verify_cpu"]["median_ms"]
        for kind, h in hashers.items():
            add(
                f"| {kind} | {h['params']} | {h['hash_verify_wall']['median_ms']:.1f} / "
                f"{h['hash_verify_wall']['p95_ms']:.1f} | {h['hash_verify_cpu']['median_ms']:.1f}"
                f" / {h['hash_verify_cpu']['p95_ms']:.1f} | {h['verify_wall']['median_ms']:.1f} /"
                f" {h['verify_wall']['p95_ms']:.1f} | {h['verify_cpu']['median_ms']:.1f} | "
                f"{h['verify_wall']['median_ms'] / peer:.2f}, "
                f"{h['verify_cpu']['median_ms'] / peer_cpu:.2f} |"
            )
        add("")
        add(
            f"Sign-in POST through `pledge serve` over HTTPS (load {login['load'][0][0]} to "
            f"{login['load'][1][0]}; server CPU from /proc in 10 ms ticks):"
        )
        add("")
        add(
            "| sign-in | wall median / p95 ms | server CPU median / p95 ms | x PBKDF2 (wall, CPU) |"
        )
        add("| --- | ---: | ---: | ---: |")
        names = {
            "argon2id": "Argon2id (as shipped)",
            "pbkdf2": "PBKDF2 (Django's default)",
            "legacy": "imported customer, first sign-in (+ rehash)",
        }
        peer = login["sign_ins"]["pbkdf2"]["wall"]["median_ms"]
        peer_cpu = login["sign_ins"]["pbkdf2"]["server_cpu"]["median_ms"]
        for kind, s in login["sign_ins"].items():
            add(
                f"| {names[kind]} | {s['wall']['median_ms']:.1f} / {s['wall']['p95_ms']:.1f} | "
                f"{s['server_cpu']['median_ms']:.0f} / {s['server_cpu']['p95_ms']:.0f} | "
                f"{s['wall']['median_ms'] / peer:.2f}, "
                f"{s['server_cpu']['median_ms'] / peer_cpu:.2f} |"
            )
        add("")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--phases", default="serve,servers,login")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (servers phase)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--duration", type=int, default=10, help="wrk -d, seconds")
    parser.add_argument("--levels", default="1,16,64", help="connections, serve phase")
    parser.add_argument("--rounds", type=int, default=3, help="servers phase")
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--logins", type=int, default=40, help="runs of each sign-in kind")
    parser.add_argument("--venv", type=Path, default=Path("/tmp/bench-venv"))
    parser.add_argument("--out", type=Path, default=OUT / "shop.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary site")
    parser.add_argument("--report", type=Path, help="only render a results file as Markdown")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        print(render(json.loads(args.report.read_text())))
        return 0
    phases = set(args.phases.split(","))
    names = args.candidates.split(",")
    unknown = set(names) - set(CANDIDATES) | phases - {"serve", "servers", "login"}
    if unknown:
        print(f"unknown: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if BASELINE not in names:
        names.insert(0, BASELINE)
    load = Load(args.connections, args.threads, args.duration)
    root = Path(tempfile.mkdtemp(prefix="pledge-bench-shop-"))
    logs = root / "logs"
    logs.mkdir()
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            [".venv/bin/python", "bench/shop/shop_bench.py", *(argv or sys.argv[1:])]
        ),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine(),
        "src_digest": src_digest(),
        "load": {"start": load_average()},
    }
    print(f"site and logs in {root}", flush=True)
    site = Site(root / "site", logs)
    try:
        # First run (not timed): database, keys, certificate, catalogue; then a real basket.
        port = free_port()
        first = site.start(CANDIDATES["pledge-serve"], port)
        try:
            site.cookie, site.slug = basket_session(port, site.paths.cert)
        finally:
            first.stop()
        if "serve" in phases:
            levels = [int(x) for x in args.levels.split(",")]
            results["serve"] = phase_serve(site, load, levels)
        if "servers" in phases:
            venv_build(args.venv)
            results["versions"] = versions(args.venv)
            site.with_venv(args.venv)
            results["servers"] = phase_servers(site, load, names, args.rounds)
        if "login" in phases:
            results["login"] = phase_login(root, logs, site, args.logins)
    finally:
        results["load"]["end"] = load_average()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    report = render(results)
    args.out.with_suffix(".md").write_text(report + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    status = main()
    print(f"done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    sys.exit(status)
