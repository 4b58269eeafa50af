"""What a line says about its visit, in the words of the report: browser family, device class,
bot or not, country, referring site, page, status class, day.

Each distinct browser string is classified once by ua-parser (the maintained uap-core rules,
with its Rust matcher) and remembered; each distinct address is looked up once in iptocc's
offline table (the five regional registries' allocations, shipped inside the wheel: no
download, no network at run time). A chunk of a million lines has a few thousand distinct
browser strings and addresses, so the Python work is per distinct value, never per line.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import iptocc
import polars as pl
import ua_parser

from pledge.traffic import tally
from pledge.traffic.models import Dimension
from pledge.traffic.tally import STATUS_KEYS, key

UNKNOWN_COUNTRY = "--"
DIRECT = "(direct)"
UNKNOWN = "(unknown)"
NO_AGENT = "(no user agent)"
MAX_VALUE = 300  # DailyCount.value

# Scripts, crawlers and feed fetchers uap-core names but does not mark as spiders, and the
# usual words; "+http://..." is how crawlers give their contact. (libwww-perl, not libwww:
# Lynx, a browser people use, is built on libwww-FM.)
_SCRIPT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|curl/|wget/|python|java/|go-http|libwww-perl|httpclient|"
    r"okhttp|http_request|\bruby\b|scrapy|headless|phantomjs|monitor|uptime|pingdom|feed|"
    r"\brss\b|preview|scanner|facebookexternalhit|httpx|axios|node-fetch|zgrab|masscan|nmap|"
    r"\+https?://",
    re.IGNORECASE,
)
# A browser string naming a web address but not a browser ("Mozilla/..."): a tool or service
# saying where it comes from.
_TOOL_URL = re.compile(r"https?://", re.IGNORECASE)
_CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class Agent:
    browser: str
    device: str
    bot: str | None  # the bot's name, or None for a person's browser


def agent_classify(agent: str | None, *, script: bool | None = None) -> Agent:
    """One browser string, as the report names it. ``script``: whether ``_SCRIPT`` matches
    it, when already known (``scripts``)."""
    if agent is None:
        return Agent(UNKNOWN, "other", None)  # the common log format has no browser string
    if agent in ("", "-"):
        return Agent(NO_AGENT, "other", NO_AGENT)
    result = ua_parser.parse(agent)
    family = result.user_agent.family if result.user_agent else None
    device = result.device.family if result.device else None
    if script is None:
        script = _SCRIPT.search(agent) is not None
    tool = not agent[:8].lower().startswith("mozilla/") and _TOOL_URL.search(agent) is not None
    if device == "Spider" or script or tool:
        return Agent(family or "Other", "bot", _bot_name(family, agent))
    return Agent(family or "Other", _device_class(agent, result), None)


def scripts(agents: pl.Series) -> list[bool | None]:
    """Whether ``_SCRIPT`` matches each of ``agents``, for all of them at once: polars' regex
    engine over the strings that are pure ASCII, where its case-insensitive matching and word
    boundaries are exactly Python's; None (ask Python) for the others."""
    found = pl.select(
        ascii=agents.str.contains(r"^[\x00-\x7f]*$"),
        match=agents.str.contains("(?i)" + _SCRIPT.pattern),
    )
    return [m if a else None for a, m in found.iter_rows()]


def _bot_name(family: str | None, agent: str) -> str:
    if family and family != "Other":
        return family[:MAX_VALUE]
    return agent.split("/", 1)[0].split(" ", 1)[0][:60] or "Other"


def _device_class(agent: str, result: Any) -> str:
    os_family = result.os.family if result.os else ""
    device = (result.device.family if result.device else "") or ""
    brand = (result.device.brand if result.device else "") or ""
    if device == "iPad" or "Tablet" in brand or "Tablet" in agent:
        return "tablet"
    if os_family == "Android" and "Mobile" not in agent:
        return "tablet"
    if device == "iPhone" or "Mobile" in agent or os_family in ("iOS", "Android"):
        return "mobile"
    return "desktop"


def warm_up() -> None:
    """Build ua-parser's matchers (half a second) in the background, once per process, while
    the first chunk is read and parsed: the first browser string then finds them ready."""
    global _warming
    with _warm_lock:
        if _warming is None:
            _warming = threading.Thread(
                target=ua_parser.parse, args=("Mozilla/5.0",), name="ua-parser", daemon=True
            )
            _warming.start()


_warm_lock = threading.Lock()
_warming: threading.Thread | None = None


class Classifier:
    """What a run has worked out about each distinct browser string, address, request and
    referrer, kept across its chunks and found again by a 64-bit hash of the value.

    A chunk's values are hashed once each; only values the run has not met before reach
    Python (ua-parser, the address check, iptocc) or a regex. A run meets a few thousand
    browser strings and tens of thousands of addresses, however many lines it reads. The
    names of the groups (a page's path, a browser's family) stay here, in these tables, and
    are handed over only for the counts written (``names``).
    """

    def __init__(self) -> None:
        self.agents = _Known(_agents_classify, _AGENTS, _AGENT_NAMES)
        self.addresses = _Known(_addresses_place, _ADDRESSES, _ADDRESS_NAMES)
        self.requests = _Known(_requests_page, _REQUESTS, _REQUEST_NAMES)
        self.referrers = _Known(_referrers_host, _REFERRERS, _REFERRER_NAMES)

    def kinds(self) -> list[_Known]:
        return [self.addresses, self.agents, self.requests, self.referrers]

    def names(self, keys: pl.Series | None = None) -> pl.DataFrame:
        """(key, dimension, value) of every group a value known here falls in (``tally.NAMES``),
        those of tables emptied since ``names_released`` included; only of ``keys``, if
        given (the strings of the rest are not copied)."""
        # Each table before its retired names: a table emptied meanwhile (by ``derive`` in
        # another thread) has retired its names first, so none is missed.
        frames = [n for known in self.kinds() for n in (*known.names(keys), *known.retired)]
        return pl.concat(frames).unique(subset="key")

    def names_released(self) -> None:
        """The counts that needed the names of emptied tables are written."""
        for known in self.kinds():
            known.retired = []


class _Known:
    """One kind of value: a table of (hash, what was worked out), found again by joining on
    the hash; grown by the values first met in each chunk, and emptied (then grown again) past
    ``_CACHE_LIMIT`` rows."""

    def __init__(
        self,
        make: Callable[[pl.DataFrame], pl.DataFrame],
        schema: dict[str, Any],
        named: list[tuple[Dimension, str, str]],
    ) -> None:
        self.make, self.schema, self.named = make, schema, named
        self.table = pl.DataFrame(schema=schema)
        self.index = self.table.select("h").with_row_index("row")
        self.retired: list[pl.DataFrame] = []  # names of an emptied table, until written

    def position(self, hashes: pl.LazyFrame, column: str) -> pl.LazyFrame:
        """The table's row of each of ``hashes[column]``, in order; null where not known."""
        return (
            hashes.select(column)
            .join(
                self.index.lazy(), left_on=column, right_on="h", how="left", maintain_order="left"
            )
            .select(pl.col("row").alias(column))
        )

    def learn(self, hashes: pl.Series, rows: pl.Series, values: pl.DataFrame) -> pl.Series:
        """Work out the values of ``values`` whose ``hashes`` have no table ``rows``; the
        table's row of every line then. Only the lines of values met for the first time are
        looked up again, among those values alone, not among the whole table."""
        lines = pl.DataFrame({"h": hashes, "i": pl.int_range(len(hashes), eager=True)})
        if self.table.height + rows.null_count() > _CACHE_LIMIT:
            self.retired += self.names()
            self.table = self.table.head(0)
            rows = pl.repeat(None, len(hashes), dtype=rows.dtype, eager=True).alias(rows.name)
        else:
            lines = lines.filter(rows.is_null())
        new = lines.unique(subset="h")
        made = self.make(values[new["i"]]).with_columns(h=new["h"])
        start = self.table.height
        self.table = pl.concat([self.table, made.select(list(self.schema))])
        self.index = self.table.select("h").with_row_index("row")
        placed = (
            hashes.to_frame("h")
            .join(self.index.slice(start), on="h", how="left", maintain_order="left")
            .get_column("row")
        )
        return rows.fill_null(placed)

    def names(self, keys: pl.Series | None = None) -> list[pl.DataFrame]:
        return _names_of(self.table, self.named, keys)


def _names_of(
    table: pl.DataFrame,
    named: list[tuple[Dimension, str, str]],
    keys: pl.Series | None = None,
) -> list[pl.DataFrame]:
    """The dictionary rows (``tally.NAMES``) of the groups of ``table``'s rows (of ``keys``)."""
    wanted = [] if keys is None else [pl.col("key").is_in(keys.implode())]
    return [
        table.lazy()
        .select(
            pl.col(key_column).alias("key"),
            pl.lit(dimension.value).alias("dimension"),
            pl.col(value).alias("value"),
        )
        .filter(pl.col("value").is_not_null(), *wanted)
        .collect()
        for dimension, key_column, value in named
    ]


_AGENTS = {"h": pl.UInt64, "browser": pl.String, "device": pl.String, "bot": pl.String,
           "browser_k": pl.UInt64, "device_k": pl.UInt64, "bot_k": pl.UInt64}  # fmt: skip
_ADDRESSES = {"h": pl.UInt64, "valid": pl.Boolean, "country": pl.String, "country_k": pl.UInt64}
_REQUESTS = {"h": pl.UInt64, "page": pl.String, "page_k": pl.UInt64}
_REFERRERS = {"h": pl.UInt64, "host": pl.String, "referrer_k": pl.UInt64}
_AGENT_NAMES = [
    (Dimension.BROWSER, "browser_k", "browser"),
    (Dimension.DEVICE, "device_k", "device"),
    (Dimension.BOT, "bot_k", "bot"),
]
_ADDRESS_NAMES = [(Dimension.COUNTRY, "country_k", "country")]
_REQUEST_NAMES = [(Dimension.PAGE, "page_k", "page")]
_REFERRER_NAMES = [(Dimension.REFERRER, "referrer_k", "host")]


def _agents_classify(values: pl.DataFrame) -> pl.DataFrame:
    agents = values["agent"]
    found = [
        agent_classify(a, script=script)
        for a, script in zip(agents.to_list(), scripts(agents), strict=True)
    ]
    frame = pl.DataFrame(
        {
            "browser": pl.Series([a.browser for a in found], dtype=pl.String),
            "device": pl.Series([a.device for a in found], dtype=pl.String),
            "bot": pl.Series([a.bot for a in found], dtype=pl.String),
        }
    )
    return frame.with_columns(
        browser_k=key(Dimension.BROWSER, pl.col("browser")),
        device_k=key(Dimension.DEVICE, pl.col("device")),
        bot_k=pl.when(pl.col("bot").is_not_null()).then(key(Dimension.BOT, pl.col("bot"))),
    )


def _addresses_place(values: pl.DataFrame) -> pl.DataFrame:
    ips = values["ip"].to_list()
    valid = [ip is not None and _is_address(ip) for ip in ips]
    found = iter(iptocc.country_code([ip for ip, ok in zip(ips, valid, strict=True) if ok]))
    countries = [(next(found) or UNKNOWN_COUNTRY) if ok else None for ok in valid]
    frame = pl.DataFrame(
        {"valid": pl.Series(valid, dtype=pl.Boolean),
         "country": pl.Series(countries, dtype=pl.String)}
    )  # fmt: skip
    return frame.with_columns(country_k=key(Dimension.COUNTRY, pl.col("country")))


def _requests_page(values: pl.DataFrame) -> pl.DataFrame:
    return values.select(page=page(pl.col("method"), pl.col("target"))).with_columns(
        page_k=key(Dimension.PAGE, pl.col("page"))
    )


def _referrers_host(values: pl.DataFrame) -> pl.DataFrame:
    return values.select(host=referrer_host(pl.col("referrer"))).with_columns(
        referrer_k=key(Dimension.REFERRER, pl.col("host"))
    )


def _is_address(text: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
    except (OSError, ValueError):
        return False
    return True


REFERRER_HOST = r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]+)"


def referrer_host(referrer: pl.Expr) -> pl.Expr:
    """The referring site's host: "(direct)" for "-", "(unknown)" for the common log format."""
    host = referrer.str.extract(REFERRER_HOST, 1).str.to_lowercase()
    return (
        pl.when(referrer.is_null())
        .then(pl.lit(UNKNOWN))
        .when(referrer.is_in(["-", ""]))
        .then(pl.lit(DIRECT))
        .otherwise(pl.coalesce(host, pl.lit("(other)")))
        .str.head(MAX_VALUE)
    )


def page(method: pl.Expr, target: pl.Expr) -> pl.Expr:
    """The path requested, without scheme, host, query or fragment (a page, not a URL)."""
    path = (
        target.str.replace(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/]*", "")
        .str.replace(r"[?#].*$", "")
        .str.head(MAX_VALUE)
    )
    return (
        pl.when(method == "-")
        .then(pl.lit("(no request)"))
        .when(method.is_null())
        .then(pl.lit("(malformed request)"))
        .when(path == "")
        .then(pl.lit("/"))
        .otherwise(path)
    )


_SEED = 0x5EED  # of the hashes values are found again by (never stored)


def derive(
    good: pl.DataFrame, classifier: Classifier, zone: str, *, named: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parsed lines with what the counts group them by, as keys (``tally.FACTS``), ``valid``
    (a real address), ``day``, and ``ip_h`` and ``agent_h`` (the hashes a visitor is told
    apart by); and the names of those keys (``tally.NAMES``), unless not ``named`` (the
    caller asks ``classifier.names`` when it writes counts).

    Each column is hashed once; everything else is per distinct value (``Classifier``), and
    reaches the lines by a join on the hash: a handful of frame operations a chunk, which
    polars spreads over the cores, and only the new columns are built, never a copy of the
    lines.
    """
    hashes = good.select(
        ip_h=pl.col("ip").hash(_SEED),
        agent_h=pl.col("agent").hash(_SEED),
        request_h=pl.struct("method", "target").hash(_SEED),
        referrer_h=pl.col("referrer").hash(_SEED),
    )
    kinds = {
        "ip_h": (classifier.addresses, ["ip"]),
        "agent_h": (classifier.agents, ["agent"]),
        "request_h": (classifier.requests, ["method", "target"]),
        "referrer_h": (classifier.referrers, ["referrer"]),
    }
    rows = _positions(kinds, hashes)
    for column, (known, values) in kinds.items():
        if rows[column].null_count():
            learnt = known.learn(hashes[column], rows[column], good.select(values))
            rows = rows.with_columns(learnt)
    # Only the columns the lines take, gathered line by line (not the names: their text
    # would be copied for every line, to be thrown away).
    found = {c: known.table.select(_TAKEN[c])[rows[c]] for c, (known, _) in kinds.items()}
    derived = good.with_columns(
        *(found[c][name] for c, names in _TAKEN.items() for name in names),
        pl.lit(STATUS_KEYS).gather(pl.col("status")).alias("status_k"),
        pl.col("time").dt.convert_time_zone(zone).dt.date().alias("day"),
        hashes["ip_h"],
        hashes["agent_h"],
    )
    if not named:
        return derived, pl.DataFrame(schema=tally.NAMES)
    present = [
        frame.lazy()
        for c, (known, _) in kinds.items()
        for frame in _names_of(known.table[rows[c].unique()], known.named)
    ]
    groups = pl.concat(present).unique(subset="key").collect()
    return derived, groups


_TAKEN = {
    "ip_h": ["valid", "country_k"],
    "agent_h": ["browser_k", "device_k", "bot_k"],
    "request_h": ["page_k"],
    "referrer_h": ["referrer_k"],
}


def _positions(kinds: dict[str, tuple[_Known, list[str]]], hashes: pl.DataFrame) -> pl.DataFrame:
    """Each line's row in the table of each kind of value (null where not known yet): the
    joins of all kinds at once."""
    lazy = hashes.lazy()
    found = pl.collect_all([known.position(lazy, c) for c, (known, _) in kinds.items()])
    return pl.DataFrame([f.to_series() for f in found])
