"""Log lines to columns: nginx/Apache combined and common formats, and JSON lines.

Chosen by measurement (``bench/traffic/parsers.py``, recorded in docs/benchmarks.md): one
regular expression per line, run by polars (Rust's regex engine, no backtracking) over a
whole chunk at once. pyarrow's multi-threaded CSV reader tokenises faster, but the raw store
and the duplicate check need each line's exact text as well, so its rows would have to be
lined up again with a second split of the same bytes; Python's ``re`` is ten times slower.

A strict pattern for the common case runs first; lines it does not match get a tolerant one
(escaped quotes, the common format without referrer and browser, odd request lines); lines
starting with ``{`` are JSON. Whatever still fails is rejected with a reason, never an
exception: a chunk always comes back as rows, each either parsed or carrying ``reason``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

MAX_LINE = 16 * 1024  # Apache and nginx refuse request lines over 8 KiB; a longer line is damage
EARLIEST = dt.datetime(1991, 8, 6, tzinfo=dt.UTC)  # the first web page went up that day
LEEWAY = dt.timedelta(days=1)  # clocks a little ahead of ours are not absurd
CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"

# The reasons a line is rejected: fixed words, never the line's content.
NOT_TEXT = "not text (invalid UTF-8 or binary data)"
CONTROL = "control characters (binary data)"
TOO_LONG = "longer than 16 KiB"
EMPTY = "empty line"
UNKNOWN = "not a combined, common or JSON log line"
BAD_JSON = "JSON line without the fields of an access log"
BAD_TIME = "timestamp not understood"
ABSURD_TIME = "timestamp out of range"
BAD_STATUS = "status code out of range"
ZONE = "IPv6 address with a zone index"
NOT_IP = "client is not an IP address"
CUT = "cut short (the file ends in the middle of the line)"
REASONS = (NOT_TEXT, CONTROL, TOO_LONG, EMPTY, UNKNOWN, BAD_JSON, BAD_TIME, ABSURD_TIME,
           BAD_STATUS, ZONE, NOT_IP, CUT)  # fmt: skip

# The common case, strictly: an address of address characters, no control character anywhere,
# a plain HTTP request. Everything else takes the slower paths below.
STRICT = (
    r"^(?P<ip>[0-9A-Fa-f:.]+) [^ \x00-\x1f]+ [^ \x00-\x1f]+ \[(?P<time>[^\]\x00-\x1f]+)\] "
    r'"(?P<method>[A-Z]+) (?P<target>[^ "\x00-\x1f\x7f]+) (?P<protocol>HTTP/[0-9.]+)" '
    r'(?P<status>[0-9]{3}) (?P<bytes>[0-9]+|-) "(?P<referrer>[^"\x00-\x1f\x7f]*)" '
    r'"(?P<agent>[^"\x00-\x1f\x7f]*)"$'
)
# (A browser string whose closing quote is missing, the line's last field, is read to the
# end of the line, as GoAccess reads it, not dropped as if the line were of the common format.)
TOLERANT = (
    r"^(?P<ip>[^ ]+) [^ ]+ .*?\[(?P<time>[^\]]+)\] "
    r'"(?P<request>(?:[^"\\]|\\.)*)" (?P<status>[0-9]{3}) (?P<bytes>[0-9]+|-)'
    r'(?: "(?P<referrer>(?:[^"\\]|\\.)*)" "(?P<agent>(?:[^"\\]|\\.)*)(?:"|$))?(?: .*)?$'
)
REQUEST = r"^(?P<method>[A-Z][A-Z0-9_-]*) (?P<target>[^ ]+)(?: (?P<protocol>HTTP/[0-9.]+))?$"
IPV4 = r"^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"  # noqa: E501
IPV6 = r"^[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?:[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)?$"
CONTROL_CHARS = r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]"

FIELDS: dict[str, Any] = {
    "ip": pl.String,
    "time": pl.Datetime("us", "UTC"),
    "method": pl.String,
    "target": pl.String,
    "protocol": pl.String,
    "status": pl.UInt16,
    "bytes": pl.UInt64,
    "referrer": pl.String,
    "agent": pl.String,
}
SCHEMA: dict[str, Any] = {
    "line_number": pl.UInt64,
    "line": pl.String,
    **FIELDS,
    "reason": pl.String,
}


def lines_frame(data: bytes, first_line: int, *, cut_tail: bool = False) -> pl.DataFrame:
    """Split a chunk into numbered lines, decoding UTF-8 (undecodable lines carry a reason)."""
    lines = _split_fast(data)
    if lines is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _lines_slow(data, first_line, cut_tail)
        if text.endswith("\n"):
            text = text[:-1]
        lines = pl.Series("line", [text] if data else [], dtype=pl.String).str.split("\n")
        lines = lines.explode()
        if "\r" in text:
            lines = lines.str.strip_suffix("\r")
    numbers = pl.int_range(first_line, first_line + len(lines), eager=True, dtype=pl.UInt64)
    reason = pl.Series("reason", [None] * len(lines), dtype=pl.String)
    if cut_tail and len(lines):
        reason = reason.scatter(len(lines) - 1, CUT)
    return pl.DataFrame([numbers.alias("line_number"), lines, reason])


def _split_fast(data: bytes) -> pl.Series | None:
    """The lines of ``data`` split by polars' multi-threaded CSV reader (one column, no
    quoting), or None where it might not give them exactly: carriage returns, invalid UTF-8, a
    byte order mark, the separator inside a line. Whatever it returns is checked to add up to
    ``data`` byte for byte (every line, every length), so it is never wrong, only sometimes
    not taken."""
    if not data or b"\r" in data:
        return None
    try:
        lines = pl.read_csv(
            data, has_header=False, separator="\x1f", quote_char=None, new_columns=["line"],
            schema={"line": pl.String}, infer_schema=False, empty_string_is_null=False,
        )["line"]  # fmt: skip
    except (pl.exceptions.PolarsError, ValueError):
        return None
    # Only "\n" ends a line here (no "\r" came in), so the lines and the newlines between them
    # add up to the data exactly when nothing was dropped, merged or changed in length.
    newlines = len(lines) - (0 if data.endswith(b"\n") else 1)
    if lines.null_count() or lines.str.len_bytes().sum() + newlines != len(data):
        return None
    return lines


def _lines_slow(data: bytes, first_line: int, cut_tail: bool) -> pl.DataFrame:
    pieces = data.split(b"\n")
    if data.endswith(b"\n"):
        pieces.pop()
    lines: list[str | None] = []
    reasons: list[str | None] = []
    raws: list[bytes | None] = []
    for piece in pieces:
        try:
            lines.append(piece.decode("utf-8").removesuffix("\r"))
            reasons.append(None)
            raws.append(None)
        except UnicodeDecodeError:
            lines.append(None)
            reasons.append(NOT_TEXT)
            raws.append(piece)
    if cut_tail and reasons:
        reasons[-1] = reasons[-1] or CUT
    return pl.DataFrame(
        {
            "line_number": pl.int_range(first_line, first_line + len(lines), eager=True).cast(
                pl.UInt64
            ),
            "line": pl.Series(lines, dtype=pl.String),
            "reason": pl.Series(reasons, dtype=pl.String),
            "raw": pl.Series(raws, dtype=pl.Binary),
        }
    )


def parse(frame: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame:
    """Add the fields of each line of ``frame`` (from ``lines_frame``); rows keep their order.

    Columns: ``SCHEMA`` (and ``raw``, the bytes of lines that are not text, if given). A row
    with ``reason`` set did not parse; its fields are null.
    """
    if "raw" not in frame.columns:
        every = _strict(frame, now=now)
        if every is not None:
            return every
    raw = frame.select("line_number", "raw") if "raw" in frame.columns else None
    if raw is not None:
        frame = frame.drop("raw")
    line = pl.col("line")
    strict = frame.with_columns(line.str.extract_groups(STRICT).alias("m")).unnest("m")
    fast = (
        pl.col("ip").is_not_null() & pl.col("reason").is_null() & (line.str.len_bytes() <= MAX_LINE)
    )
    mask = strict.select(fast).to_series()
    if mask.all():  # the usual case: every line strict, nothing to split (or copy)
        parsed, rest = [strict], strict.head(0).select(frame.columns)
    else:
        parsed, rest = [strict.filter(mask)], strict.filter(~mask).select(frame.columns)
    rejected = rest.head(0)
    if rest.height:
        rest = rest.with_columns(
            reason=pl.coalesce(
                pl.col("reason"),
                pl.when(line.str.len_bytes() == 0).then(pl.lit(EMPTY)),
                pl.when(line.str.len_bytes() > MAX_LINE).then(pl.lit(TOO_LONG)),
                pl.when(line.str.contains(CONTROL_CHARS)).then(pl.lit(CONTROL)),
            )
        )
        rejected = rest.filter(pl.col("reason").is_not_null())
        rest = rest.filter(pl.col("reason").is_null())
        json_rows = rest.filter(line.str.starts_with("{"))
        tolerant = _tolerant(rest.filter(~line.str.starts_with("{")))
        parsed.append(tolerant.filter(pl.col("ip").is_not_null()))
        failed = tolerant.filter(pl.col("ip").is_null()).select(frame.columns)
        rejected = pl.concat([rejected, failed.with_columns(reason=pl.lit(UNKNOWN))])
        if json_rows.height:
            parsed.append(_json(json_rows))
    out = pl.concat([_typed(p) for p in parsed] + [_empty_fields(rejected)], how="vertical")
    out = _checked(out, now=now, strict_rows=parsed[0].height if len(parsed) == 1 else None)
    if len(parsed) > 1 or rejected.height:
        out = out.sort("line_number")
    if raw is not None:
        out = out.join(raw, on="line_number", how="left")
    return out


def _strict(frame: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame | None:
    """``parse`` of a chunk whose every line the strict pattern matches (the usual case), in
    one pass: pattern, types and checks together; None if any line needs the slower paths."""
    line = pl.col("line")
    fast = (
        pl.col("ip").is_not_null() & pl.col("reason").is_null() & (line.str.len_bytes() <= MAX_LINE)
    )
    parsed = (
        frame.lazy()
        .with_columns(line.str.extract_groups(STRICT).alias("m"))
        .unnest("m")
        .with_columns(fast.alias("_strict"))
        .pipe(_typed_lazy, "_strict")
        .with_columns(reason=pl.coalesce(pl.col("reason"), *_sense(now, every_strict=True)))
        .collect()
    )
    if not parsed["_strict"].all():
        return None
    return _fields_cleared(parsed.drop("_strict"))


def _tolerant(rest: pl.DataFrame) -> pl.DataFrame:
    loose = rest.with_columns(pl.col("line").str.extract_groups(TOLERANT).alias("m")).unnest("m")
    return (
        loose.with_columns(pl.col("request").str.extract_groups(REQUEST).alias("r"))
        .unnest("r")
        .with_columns(
            # "-" (a connection closed before any request) or a request that is not HTTP:
            # the line is a real record of a visit, kept with the request as it was.
            method=pl.when(pl.col("request") == "-").then(pl.lit("-")).otherwise(pl.col("method")),
            target=pl.coalesce(pl.col("target"), pl.col("request")),
        )
        .drop("request")
    )


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """Fields as text (from a pattern or JSON) to their types; a field that does not convert
    becomes null and the row is rejected by ``_checked``."""
    return frame.lazy().pipe(_typed_lazy).collect()


def _typed_lazy(frame: pl.LazyFrame, *extra: str) -> pl.LazyFrame:
    time = pl.col("time")
    if frame.collect_schema().get("time") == pl.String:
        time = time.str.to_datetime(CLF_TIME, time_zone="UTC", strict=False)
    return frame.select(
        "line_number",
        "line",
        pl.col("ip"),
        time.alias("time"),
        pl.col("method"),
        pl.col("target"),
        pl.col("protocol"),
        pl.col("status").cast(pl.UInt16, strict=False),
        # "-" (nothing sent) is 0; the patterns let only digits or "-" through.
        pl.col("bytes").cast(pl.UInt64, strict=False).fill_null(0),
        pl.col("referrer"),
        pl.col("agent"),
        pl.col("reason").cast(pl.String),
        *extra,
    )


def _empty_fields(rejected: pl.DataFrame) -> pl.DataFrame:
    return rejected.select(
        "line_number",
        "line",
        *(pl.lit(None, dtype=dtype).alias(name) for name, dtype in FIELDS.items()),
        "reason",
    )


def _checked(frame: pl.DataFrame, *, now: dt.datetime, strict_rows: int | None) -> pl.DataFrame:
    """Reject rows whose fields parsed but make no sense. ``strict_rows``: when every parsed row
    came from the strict pattern (whose address characters are already checked), how many."""
    frame = frame.with_columns(
        reason=pl.coalesce(pl.col("reason"), *_sense(now, every_strict=strict_rows is not None))
    )
    return _fields_cleared(frame)


def _sense(now: dt.datetime, *, every_strict: bool) -> list[pl.Expr]:
    """The reasons a parsed row makes no sense, as expressions (null where it does)."""
    ip, time, status = pl.col("ip"), pl.col("time"), pl.col("status")
    parsed = pl.col("reason").is_null()
    checks = []
    if not every_strict:
        checks += [
            pl.when(parsed & ip.str.contains("%", literal=True)).then(pl.lit(ZONE)),
            pl.when(parsed & ~(ip.str.contains(IPV4) | ip.str.contains(IPV6))).then(pl.lit(NOT_IP)),
        ]
    checks += [
        pl.when(parsed & time.is_null()).then(pl.lit(BAD_TIME)),
        pl.when(parsed & ((time < EARLIEST) | (time > now + LEEWAY))).then(pl.lit(ABSURD_TIME)),
        pl.when(parsed & (status.is_null() | (status < 100) | (status > 599))).then(
            pl.lit(BAD_STATUS)
        ),
    ]
    return checks


def _fields_cleared(frame: pl.DataFrame) -> pl.DataFrame:
    """The fields of rejected rows made null."""
    if frame["reason"].null_count() == frame.height:
        return frame
    bad = pl.col("reason").is_not_null()
    return frame.with_columns(
        *(pl.when(bad).then(pl.lit(None, dtype=d)).otherwise(pl.col(n)).alias(n)
          for n, d in FIELDS.items())
    )  # fmt: skip


# --- JSON lines --------------------------------------------------------------------------------

_JSON_NAMES = {
    "ip": ("remote_addr", "client_ip", "remote_ip", "ip", "client", "clientip", "host"),
    "time": ("time_local", "time_iso8601", "timestamp", "@timestamp", "time", "date", "msec"),
    "request": ("request",),
    "method": ("request_method", "method"),
    "target": ("request_uri", "uri", "path", "url"),
    "protocol": ("server_protocol", "protocol"),
    "status": ("status", "status_code", "response"),
    "bytes": ("body_bytes_sent", "bytes_sent", "bytes", "size", "response_size"),
    "referrer": ("http_referer", "referer", "referrer"),
    "agent": ("http_user_agent", "user_agent", "agent", "useragent"),
}


def _json(rows: pl.DataFrame) -> pl.DataFrame:
    """JSON lines, one object each, with nginx's or common field names. Python's json module:
    such logs are rarer than the text formats and their fields vary too much for one schema."""
    out: dict[str, list[Any]] = {k: [] for k in FIELDS}
    reasons: list[str | None] = []
    for text in rows["line"]:
        fields, reason = _json_fields(text)
        reasons.append(reason)
        for key in out:
            out[key].append(fields.get(key) if reason is None else None)
    return pl.DataFrame(
        {
            "line_number": rows["line_number"],
            "line": rows["line"],
            "ip": pl.Series(out["ip"], dtype=pl.String),
            "time": pl.Series(out["time"], dtype=pl.Datetime("us", "UTC")),
            "method": pl.Series(out["method"], dtype=pl.String),
            "target": pl.Series(out["target"], dtype=pl.String),
            "protocol": pl.Series(out["protocol"], dtype=pl.String),
            "status": pl.Series(out["status"], dtype=pl.Int64),
            "bytes": pl.Series(out["bytes"], dtype=pl.String),
            "referrer": pl.Series(out["referrer"], dtype=pl.String),
            "agent": pl.Series(out["agent"], dtype=pl.String),
            "reason": pl.Series(reasons, dtype=pl.String),
        }
    )


def _first(data: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if name in data and data[name] not in (None, ""):
            return data[name]
    return None


def _json_fields(text: str) -> tuple[dict[str, Any], str | None]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}, UNKNOWN
    if not isinstance(data, dict):
        return {}, UNKNOWN
    got = {key: _first(data, names) for key, names in _JSON_NAMES.items()}
    request = got.pop("request")
    if isinstance(request, str) and not got["method"]:
        parts = request.split(" ")
        got["method"] = parts[0] if parts else None
        got["target"] = parts[1] if len(parts) > 1 else request
        got["protocol"] = parts[2] if len(parts) > 2 else None
    if got["ip"] is None or got["time"] is None or got["status"] is None:
        return {}, BAD_JSON
    time = _json_time(got["time"])
    status = got["status"]
    try:
        status = int(status)
    except (TypeError, ValueError):
        return {}, BAD_STATUS
    size = got["bytes"]
    fields = {
        "ip": str(got["ip"]),
        "time": time,
        "method": _text(got["method"]),
        "target": _text(got["target"]),
        "protocol": _text(got["protocol"]),
        "status": status,
        "bytes": "0" if size in (None, "-") else str(size),
        "referrer": _text(got["referrer"]) or "-",
        "agent": _text(got["agent"]) or "-",
    }
    return fields, None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _json_time(value: Any) -> dt.datetime | None:
    """nginx's ``$time_local`` (CLF), ``$time_iso8601``, or ``$msec`` (seconds since 1970)."""
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and _is_number(value)):
            return dt.datetime.fromtimestamp(float(value), dt.UTC)
        if not isinstance(value, str):
            return None
        if "/" in value:
            return dt.datetime.strptime(value, CLF_TIME).astimezone(dt.UTC)
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo is not None else None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
