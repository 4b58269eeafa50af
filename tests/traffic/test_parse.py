"""The parser on the formats it reads and the damage it survives (no database)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from tests.traffic.conftest import CHROME, NOON, NOW, combined

from pledge.traffic import parse
from pledge.traffic.sources import chunks

pytestmark = pytest.mark.clause("AL6")


def _parse(*lines: str | bytes, now: dt.datetime = NOW) -> pl.DataFrame:
    data = b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n"
    return parse.parse(parse.lines_frame(data, 1), now=now)


def _reasons(frame: pl.DataFrame) -> list[str | None]:
    return frame["reason"].to_list()


def test_a_combined_line_gives_every_field():
    (row,) = _parse(combined(path="/ink/?x=1", status=304, size=0, referrer="https://a.b/")).rows(
        named=True
    )
    assert row["ip"] == "203.0.113.7" and row["time"] == NOON
    assert (row["method"], row["target"], row["protocol"]) == ("GET", "/ink/?x=1", "HTTP/1.1")
    assert (row["status"], row["bytes"], row["referrer"]) == (304, 0, "https://a.b/")
    assert row["agent"] == CHROME and row["reason"] is None


def test_offsets_escaped_quotes_common_format_and_json_lines_parse():
    frame = _parse(
        '1.2.3.4 - bob [14/May/2025:12:00:00 +0900] "GET /a\\"b HTTP/1.1" 200 - "-" "say \\"hi\\""',
        '1.2.3.4 - - [14/May/2025:03:00:00 +0000] "POST /form HTTP/1.0" 201 12',
        '{"remote_addr":"2001:db8::1","time_local":"14/May/2025:03:00:00 +0000",'
        '"request_method":"HEAD","request_uri":"/j","status":"204","bytes_sent":"-"}',
        '{"ip":"1.2.3.4","@timestamp":"2025-05-14T03:00:00Z","request":"GET / HTTP/2.0",'
        '"status":200,"size":1}',
    )
    assert _reasons(frame) == [None] * 4
    assert frame["time"].to_list() == [NOON] * 4
    assert frame["agent"].to_list() == ['say \\"hi\\"', None, "-", "-"]
    assert frame["method"].to_list() == ["GET", "POST", "HEAD", "GET"]


def test_damaged_lines_are_rejected_with_a_reason_and_the_rest_parse():
    frame = _parse(
        combined(),
        combined()[:40],  # truncated
        b"\x00\x01\xff\xfe binary junk",
        "just words, not a log",
        combined(ip="fe80::1%eth0"),
        combined(at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC)),
        combined(at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
        combined(path="/" + "a" * 100_000),
        combined(status=999),
        "",
        combined(),
    )
    assert _reasons(frame) == [
        None,
        parse.UNKNOWN,
        parse.NOT_TEXT,
        parse.UNKNOWN,
        parse.ZONE,
        parse.ABSURD_TIME,
        parse.ABSURD_TIME,
        parse.TOO_LONG,
        parse.BAD_STATUS,
        parse.EMPTY,
        None,
    ]
    assert frame["line_number"].to_list() == list(range(1, 12))


def test_crlf_line_ends_are_read_as_line_ends():
    frame = _parse(combined() + "\r", combined(path="/b/") + "\r")
    assert _reasons(frame) == [None, None]
    assert frame["target"].to_list() == ["/", "/b/"]


def test_a_file_is_read_in_chunks_of_whole_lines_whatever_its_size(tmp_path):
    lines = [combined(path=f"/{i}/") for i in range(20_000)]
    path = tmp_path / "big.log"
    path.write_text("\n".join(lines) + "\n")
    parts = list(chunks(str(path), chunk_bytes=64 * 1024))
    assert len(parts) > 20, "many chunks, never the whole file at once"
    assert max(len(c.data) for c in parts) <= 2 * 64 * 1024
    assert all(c.data.endswith(b"\n") for c in parts)
    assert [c.first_line for c in parts[:2]] == [1, 1 + parts[0].lines]
    assert sum(c.lines for c in parts) == 20_000
