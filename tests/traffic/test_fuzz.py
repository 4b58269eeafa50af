"""Fuzzing the parser with hypothesis: it never raises, never loses or invents a line, and reads
back every well-formed line exactly.

Lines parsed per full run, at least 100,000 in all:

- well-formed lines built field by field, read back field by field: 80 examples of 40 to 250
  lines (about 6,000);
- arbitrary bytes cut into lines: 80 examples of 40 to 250 lines (about 7,000);
- mutation batches: 5 examples of 20,000 lines each (100,000), real-looking lines damaged at
  random (truncated, bytes flipped, junk inserted, quotes lost, absurd dates, zoned IPv6,
  100 KB lines, NULs) from a seed hypothesis draws, so a failure replays;
- one batch of 20,000 mutated lines through the whole import, whose totals must add up.

Large generated batches keep the run short; the per-field strategies find the odd cases.
"""

from __future__ import annotations

import datetime as dt
import random
import string

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.traffic.conftest import CHROME, FIREFOX, GOOGLEBOT, IPHONE, NOW

from pledge.traffic import parse
from pledge.traffic.services import logs_ingest

pytestmark = pytest.mark.clause("AL6")
FAST = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BATCH = 20_000


def _parse(data: bytes) -> pl.DataFrame:
    return parse.parse(parse.lines_frame(data, 1), now=NOW)


def _invariants(frame: pl.DataFrame, lines: int) -> None:
    """One row per line, in order; a row is either fully parsed or carries a known reason."""
    assert frame["line_number"].to_list() == list(range(1, lines + 1))
    bad = frame.filter(pl.col("reason").is_not_null())
    assert set(bad["reason"].unique().to_list()) <= set(parse.REASONS)
    good = frame.filter(pl.col("reason").is_null())
    assert good["ip"].null_count() == good["time"].null_count() == 0
    assert good["status"].null_count() == good["bytes"].null_count() == 0
    assert ((good["status"] >= 100) & (good["status"] <= 599)).all()
    assert (good["time"] >= parse.EARLIEST).all()


# --- well-formed lines, field by field -------------------------------------------------------

_SAFE = string.ascii_letters + string.digits + "-._~/%!$&'()*+,;=:@?"
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(lambda a: a.compressed)
times = st.datetimes(
    min_value=dt.datetime(1996, 1, 1), max_value=dt.datetime(2025, 5, 1),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=9)),
                               dt.timezone(dt.timedelta(hours=-5, minutes=-30))]),
).map(lambda t: t.replace(microsecond=0))  # fmt: skip
text = st.text(alphabet=string.printable.replace('"', "").replace("\\", "").strip() + " ",
               max_size=60)  # fmt: skip


@st.composite
def well_formed(draw: st.DrawFn) -> dict:
    return {
        "ip": draw(st.one_of(ipv4, ipv6)),
        "time": draw(times),
        "method": draw(st.sampled_from(["GET", "POST", "HEAD", "PUT", "OPTIONS"])),
        "target": "/" + draw(st.text(alphabet=_SAFE, max_size=80)),
        "status": draw(st.integers(100, 599)),
        "bytes": draw(st.integers(0, 10**12)),
        "referrer": draw(st.one_of(st.just("-"), text)),
        "agent": draw(st.one_of(st.sampled_from([CHROME, FIREFOX, IPHONE, GOOGLEBOT]), text)),
    }


def _line(f: dict) -> str:
    return (
        f'{f["ip"]} - - [{f["time"]:%d/%b/%Y:%H:%M:%S %z}] "{f["method"]} {f["target"]} '
        f'HTTP/1.1" {f["status"]} {f["bytes"]} "{f["referrer"]}" "{f["agent"]}"'
    )


@FAST
@given(st.lists(well_formed(), min_size=40, max_size=250))
def test_every_well_formed_line_reads_back_exactly(fields: list[dict]) -> None:
    frame = _parse(("\n".join(_line(f) for f in fields) + "\n").encode())
    _invariants(frame, len(fields))
    assert frame["reason"].null_count() == len(fields), frame.filter(pl.col("reason").is_not_null())
    for row, f in zip(frame.iter_rows(named=True), fields, strict=True):
        assert row["ip"] == f["ip"]
        assert row["time"] == f["time"].astimezone(dt.UTC)
        assert (row["method"], row["target"], row["status"]) == (f["method"], f["target"],
                                                                  f["status"])  # fmt: skip
        assert (row["bytes"], row["referrer"], row["agent"]) == (f["bytes"], f["referrer"],
                                                                  f["agent"])  # fmt: skip


@FAST
@given(st.lists(st.binary(max_size=300), min_size=40, max_size=250))
def test_arbitrary_bytes_never_raise_and_every_line_is_accounted_for(pieces: list[bytes]) -> None:
    pieces = [p.replace(b"\n", b" ") for p in pieces]
    frame = _parse(b"\n".join(pieces) + b"\n")
    _invariants(frame, len(pieces))


# --- mutation batches ------------------------------------------------------------------------


def _clean_line(rng: random.Random) -> str:
    if rng.random() < 0.8:
        ip = ".".join(
            str(rng.randrange(1, 224) if i == 0 else rng.randrange(256)) for i in range(4)
        )
    else:
        ip = f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(65536):x}"
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(10**7))
    agent = rng.choice([CHROME, FIREFOX, IPHONE, GOOGLEBOT, "curl/8.5.0", "-"])
    return (
        f'{ip} - - [{at:%d/%b/%Y:%H:%M:%S %z}] "GET /p/{rng.randrange(10**6)} HTTP/1.1" '
        f'{rng.choice([200, 304, 404, 500])} {rng.randrange(10**6)} "-" "{agent}"'
    )


def _mutate(line: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(10)
    if kind == 0:
        return line[: rng.randrange(len(line))]
    if kind == 1:
        i = rng.randrange(len(line))
        return line[:i] + bytes([rng.choice([b for b in range(256) if b != 10])]) + line[i + 1 :]
    if kind == 2:
        i = rng.randrange(len(line))
        return line[:i] + rng.randbytes(rng.randrange(1, 20)).replace(b"\n", b"") + line[i:]
    if kind == 3:
        return line.replace(b'"', b"", rng.randrange(1, 4))
    if kind == 4:
        return line.replace(b"/20", b"/99", 1).replace(b"/2024", b"/1970", 1)
    if kind == 5:
        return b"fe80::" + str(rng.randrange(99)).encode() + b"%eth0" + line[line.index(b" ") :]
    if kind == 6:  # now and then a line of 100 KB
        return line + b"x" * (100_000 if rng.random() < 0.05 else rng.randrange(10, 500))
    if kind == 7:
        return line.replace(b" ", b"\x00", 1)
    if kind == 8:
        return line.replace(b"[", b"", 1)
    return rng.randbytes(rng.randrange(1, 200)).replace(b"\n", b"")


def _batch(rng: random.Random, size: int) -> tuple[list[bytes], set[int]]:
    """``size`` lines, about a third damaged; and the numbers of those left whole."""
    lines, whole = [], set()
    for number in range(1, size + 1):
        line = _clean_line(rng).encode()
        if rng.random() < 0.35:
            line = _mutate(line, rng)
        else:
            whole.add(number)
        lines.append(line)
    return lines, whole


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(min_value=0, max_value=2**64))
def test_a_large_batch_of_damaged_lines_parses_what_is_whole_and_rejects_the_rest(
    seed: int,
) -> None:
    lines, whole = _batch(random.Random(seed), BATCH)
    frame = _parse(b"\n".join(lines) + b"\n")
    _invariants(frame, BATCH)
    parsed = set(frame.filter(pl.col("reason").is_null())["line_number"].to_list())
    assert whole <= parsed, f"whole lines rejected: {sorted(whole - parsed)[:5]}"


@pytest.mark.django_db
def test_a_damaged_file_through_the_whole_import_adds_up(under, tmp_path):
    under("alps")
    lines, whole = _batch(random.Random(20250514), BATCH)
    path = tmp_path / "damaged.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    run = logs_ingest(sources=[str(path)], now=NOW).ingest
    assert run.lines_read == BATCH
    assert run.counted + run.duplicates + run.rejected + run.refused == BATCH
    assert run.counted >= len(whole)
