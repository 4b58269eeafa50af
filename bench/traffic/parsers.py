"""Which parser: polars regex, pyarrow's CSV reader, or Python's ``re``, measured.

    python3 -m uv run python bench/traffic/parsers.py [LOG] [--lines N]

Each candidate turns the same bytes into the same typed columns the pipeline needs (address,
time as UTC, method, target, protocol, status, bytes, referrer, browser string) *and each
line's exact text* (the raw store and the duplicate check keep it). Reported: lines per second
of wall time and of CPU time (the process's, all threads), best of three, and how many lines
each accepted (they must agree).

- polars: ``pledge.traffic.parse`` itself (one strict regex per line over the whole chunk, a
  tolerant one for the rest).
- pyarrow: ``pyarrow.csv`` multi-threaded with delimiter " ", quote '"' and escape "\\", then
  the request and time split apart; the line text from a separate split of the same bytes.
- re: one compiled regex and ``datetime.strptime`` per line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))

from pledge.traffic import parse  # noqa: E402

COLUMNS = ["ip", "ident", "user", "t1", "t2", "request", "status", "bytes", "referrer", "agent"]
NOW = dt.datetime.now(dt.UTC)


def polars_regex(data: bytes) -> int:
    frame = parse.parse(parse.lines_frame(data, 1), now=NOW)
    return frame["reason"].null_count()


def pyarrow_csv(data: bytes) -> int:
    lines = pl.Series([data.decode()]).str.split("\n").explode().head(-1)
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=COLUMNS, block_size=4 << 20),
        parse_options=pacsv.ParseOptions(
            delimiter=" ", quote_char='"', escape_char="\\", double_quote=False,
            invalid_row_handler=lambda row: "skip",
        ),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(COLUMNS, pa.string())),
    )  # fmt: skip
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    typed = frame.select(
        "ip",
        (pl.col("t1").str.slice(1) + " " + pl.col("t2").str.head(-1))
        .str.to_datetime(parse.CLF_TIME, time_zone="UTC", strict=False)
        .alias("time"),
        pl.col("request").str.extract_groups(parse.REQUEST).alias("r"),
        pl.col("status").cast(pl.UInt16, strict=False),
        pl.col("bytes").cast(pl.UInt64, strict=False).fill_null(0),
        "referrer",
        "agent",
    ).unnest("r")
    # Rows no longer line up with lines once the reader skips one (a real pipeline would have
    # to map them back to report the line by number): what it read is counted, not matched.
    del lines
    return typed.filter(pl.col("time").is_not_null()).height


def python_re(data: bytes) -> int:
    pattern = re.compile(parse.STRICT.replace("(?P<", "(?P<"))
    good = 0
    for line in data.decode().split("\n")[:-1]:
        match = pattern.match(line)
        if match is not None:
            dt.datetime.strptime(match["time"], parse.CLF_TIME)
            int(match["status"])
            good += 1
    return good


def measure(name: str, run: Callable[[bytes], int], data: bytes, lines: int) -> None:
    best_wall = best_cpu = float("inf")
    accepted = 0
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        accepted = run(data)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"| {name} | {lines / best_wall:,.0f} | {lines / best_cpu:,.0f} | {accepted:,} |",
          flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, default=REPO / "bench/out/traffic/1m.log")
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args(argv)
    with args.log.open("rb") as f:
        data = b"".join(f.readline() for _ in range(args.lines))
    lines = data.count(b"\n")
    print(f"{lines:,} lines of {args.log.name}\n")
    print("| parser | lines/s (wall) | lines/s (CPU) | lines accepted |")
    print("|---|---:|---:|---:|")
    measure("polars regex (chosen)", polars_regex, data, lines)
    measure("pyarrow CSV, multi-threaded", pyarrow_csv, data, lines)
    measure("Python re + strptime", python_re, data, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
