"""The Vault tables of docs/benchmarks.md, from the results of one SQLite and one PostgreSQL run.

    python3 -m uv run python bench/vault_report.py \\
        bench/out/vault-sqlite-1000000.json bench/out/vault-postgres-1000000.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

LATENCIES = (
    ("lookup", "get(email_index=email_index(addr))", "lookup: `get(email_index=email_index(a))`"),
    ("lookup", "get(email_index=email_index(addr)), CPU", "the same, CPU time of the process"),
    ("lookup", "email_index(addr) alone", "of which `email_index(a)` (key fetch + HMAC)"),
    ("lookup", "get(email_index=<precomputed>) alone", "of which the indexed `get` alone"),
    ("erasure", "subject_erase", "erasure: `subject_erase` of one subject"),
    ("erasure", "subject_erase_cpu", "the same, CPU time of the process"),
    ("erasure_journal", "subject_erase", "erasure, shred journal of N entries"),
    ("erasure_journal", "subject_erase_cpu", "the same, CPU time of the process"),
    ("erasure_journal_indexed", "subject_erase", "what-if: the same journal, `handle` indexed"),
    ("erasure_journal_indexed", "subject_erase_cpu", "the same, CPU time of the process"),
    ("key_fetch", "keyring.get(ref)", "key fetch: `keyring.get(ref)`"),
    ("key_fetch", "one plain SELECT + unwrap", "what-if: one plain SELECT + unwrap"),
)


def throughput(runs: list[dict[str, Any]]) -> list[str]:
    names = " | ".join(f"{run['db']} values/s | MB/s | of AES-GCM" for run in runs)
    lines = [
        f"| operation | size | {names} |",
        "|---|---:|" + "---:|---:|---:|" * len(runs),
    ]
    for direction in ("encrypt", "decrypt"):
        for position, row in enumerate(runs[0]["throughput"][direction]):
            cells = []
            for run in runs:
                other = run["throughput"][direction][position]
                assert other["stage"] == row["stage"] and other["bytes"] == row["bytes"]
                cells.append(
                    f"{other['values_per_s']:,.0f} | {other['mb_per_s']:,.2f} "
                    f"| {ratio(other['of_ceiling'])}"
                )
            lines.append(f"| {row['stage']} | {row['bytes']:,} B | {' | '.join(cells)} |")
    return lines


def ratio(share: float) -> str:
    return "1" if share >= 0.9995 else f"1/{1 / share:,.0f}"


def latencies(runs: list[dict[str, Any]]) -> list[str]:
    names = " | ".join(f"{run['db']} p50 | p95 | p99" for run in runs)
    lines = [f"| ms | n | {names} |", "|---|---:|" + "---:|---:|---:|" * len(runs)]
    for part, key, label in LATENCIES:
        if not all(part in run for run in runs):
            continue
        stats = [run[part][key] for run in runs]
        cells = " | ".join(
            f"{s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['p99_ms']:.2f}" for s in stats
        )
        lines.append(f"| {label} | {stats[0]['n']} | {cells} |")
    return lines


def breakdown(runs: list[dict[str, Any]], part: str) -> list[str]:
    names = " | ".join(f"{run['db']} ms | calls" for run in runs)
    lines = [f"| per erasure | {names} |", "|---|" + "---:|---:|" * len(runs)]
    kinds = sorted({kind for run in runs for kind in run[part]["breakdown"]}, key=order)
    for kind in kinds:
        cells = []
        for run in runs:
            row = run[part]["breakdown"].get(kind)
            cells.append(f"{row['ms_per_erasure']:.2f} | {row['calls']:.0f}" if row else "- | -")
        lines.append(f"| {kind} | {' | '.join(cells)} |")
    return lines


def order(kind: str) -> tuple[int, str]:
    return (kind.startswith("other"), kind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", type=Path, help="vault-<db>-<N>.json files")
    runs = [json.loads(path.read_text()) for path in parser.parse_args().results]
    print("\n".join(throughput(runs)))
    print()
    print("\n".join(latencies(runs)))
    for part in ("erasure", "erasure_journal", "erasure_journal_indexed"):
        if all(part in run for run in runs):
            print()
            print("\n".join(breakdown(runs, part)))


if __name__ == "__main__":
    main()
