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
from dataclasses import dataclass
from typing import Any

import iptocc
import polars as pl
import ua_parser

from pledge.traffic.models import Dimension
from pledge.traffic.tally import key, names

UNKNOWN_COUNTRY = "--"
DIRECT = "(direct)"
UNKNOWN = "(unknown)"
NO_AGENT = "(no user agent)"
MAX_VALUE = 300  # DailyCount.value

# Scripts and crawlers uap-core names but does not mark as spiders, and the usual words.
_SCRIPT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|curl/|wget/|python|java/|go-http|libwww|httpclient|okhttp|"
    r"scrapy|headless|phantomjs|monitor|uptime|pingdom|feedfetcher|preview|scanner|"
    r"facebookexternalhit|httpx|axios|node-fetch|zgrab|masscan|nmap",
    re.IGNORECASE,
)
_CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class Agent:
    browser: str
    device: str
    bot: str | None  # the bot's name, or None for a person's browser


def agent_classify(agent: str | None) -> Agent:
    """One browser string, as the report names it."""
    if agent is None:
        return Agent(UNKNOWN, "other", None)  # the common log format has no browser string
    if agent in ("", "-"):
        return Agent(NO_AGENT, "other", NO_AGENT)
    result = ua_parser.parse(agent)
    family = result.user_agent.family if result.user_agent else None
    device = result.device.family if result.device else None
    if device == "Spider" or _SCRIPT.search(agent):
        return Agent(family or "Other", "bot", _bot_name(family, agent))
    return Agent(family or "Other", _device_class(agent, result), None)


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


class Classifier:
    """Remembers browser strings and addresses across the chunks of a run."""

    def __init__(self) -> None:
        self._agents: dict[str | None, Agent] = {}
        self._addresses: dict[str, str | None] = {}  # address -> country, None when invalid

    def agents(self, agents: pl.Series) -> pl.DataFrame:
        """Distinct ``agents`` with columns agent, browser, device, bot."""
        distinct = agents.unique()
        if len(self._agents) > _CACHE_LIMIT:
            self._agents.clear()
        found = [self._agent(a) for a in distinct.to_list()]
        return pl.DataFrame(
            {
                "agent": distinct,
                "browser": [a.browser for a in found],
                "device": [a.device for a in found],
                "bot": pl.Series([a.bot for a in found], dtype=pl.String),
            }
        )

    def _agent(self, agent: str | None) -> Agent:
        known = self._agents.get(agent)
        if known is None:
            known = self._agents[agent] = agent_classify(agent)
        return known

    def addresses(self, ips: pl.Series) -> pl.DataFrame:
        """Distinct ``ips`` with columns ip, valid (a real IPv4 or IPv6 address), country."""
        distinct = ips.unique().to_list()
        if len(self._addresses) > _CACHE_LIMIT:
            self._addresses.clear()
        new = [ip for ip in distinct if ip not in self._addresses]
        valid = [ip for ip in new if _is_address(ip)]
        for ip in new:
            self._addresses[ip] = None
        for ip, country in zip(valid, iptocc.country_code(valid), strict=True):
            self._addresses[ip] = country or UNKNOWN_COUNTRY
        countries = [self._addresses[ip] for ip in distinct]
        return pl.DataFrame(
            {
                "ip": pl.Series(distinct, dtype=pl.String),
                "valid": [c is not None for c in countries],
                "country": pl.Series(countries, dtype=pl.String),
            }
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


def status_class(status: pl.Expr) -> pl.Expr:
    return (status // 100).cast(pl.String) + "xx"


def _lookup(
    column: pl.Expr, keys: pl.Series, values: pl.Series, dtype: type[pl.DataType] = pl.UInt64
) -> pl.Expr:
    """``values`` for ``column`` by ``keys``, matched on a hash: only the new column is built,
    never a copy of the lines (as a join would)."""
    return column.hash(_LOOKUP_SEED).replace_strict(
        keys.hash(_LOOKUP_SEED), values, default=None, return_dtype=dtype
    )


_LOOKUP_SEED = 0x5EED


def derive(
    good: pl.DataFrame, classifier: Classifier, zone: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parsed lines with what the counts group them by, as keys (``tally.FACTS``), ``valid``
    (a real address) and ``day``; and the names of those keys (``tally.NAMES``).

    Pages and referring sites are worked out once per distinct request and referrer, and
    looked up by hash: a chunk has far fewer distinct values than lines.
    """
    addresses = classifier.addresses(good["ip"]).with_columns(
        country_k=key(Dimension.COUNTRY, pl.col("country"))
    )
    agents = classifier.agents(good["agent"]).with_columns(
        browser_k=key(Dimension.BROWSER, pl.col("browser")),
        device_k=key(Dimension.DEVICE, pl.col("device")),
        bot_k=pl.when(pl.col("bot").is_not_null()).then(key(Dimension.BOT, pl.col("bot"))),
    )
    requests = (
        good.select("method", "target")
        .unique()
        .with_columns(page=page(pl.col("method"), pl.col("target")))
        .with_columns(page_k=key(Dimension.PAGE, pl.col("page")))
    )
    referrers = (
        good.select("referrer")
        .unique()
        .with_columns(host=referrer_host(pl.col("referrer")))
        .with_columns(referrer_k=key(Dimension.REFERRER, pl.col("host")))
    )
    statuses = good.select("status").unique().with_columns(cls=status_class(pl.col("status")))
    statuses = statuses.with_columns(status_k=key(Dimension.STATUS, pl.col("cls")))
    derived = good.with_columns(
        valid=_lookup(pl.col("ip"), addresses["ip"], addresses["valid"], pl.Boolean),
        country_k=_lookup(pl.col("ip"), addresses["ip"], addresses["country_k"]),
        browser_k=_lookup(pl.col("agent"), agents["agent"], agents["browser_k"]),
        device_k=_lookup(pl.col("agent"), agents["agent"], agents["device_k"]),
        bot_k=_lookup(pl.col("agent"), agents["agent"], agents["bot_k"]),
        page_k=_lookup(
            pl.struct("method", "target"),
            requests.select(pl.struct("method", "target")).to_series(),
            requests["page_k"],
        ),
        referrer_k=_lookup(pl.col("referrer"), referrers["referrer"], referrers["referrer_k"]),
        status_k=_lookup(pl.col("status"), statuses["status"], statuses["status_k"]),
        day=pl.col("time").dt.convert_time_zone(zone).dt.date(),
    )
    groups = pl.concat(
        [
            names(Dimension.COUNTRY, addresses["country"].drop_nulls()),
            names(Dimension.BROWSER, agents["browser"]),
            names(Dimension.DEVICE, agents["device"]),
            names(Dimension.BOT, agents["bot"].drop_nulls()),
            names(Dimension.PAGE, requests["page"]),
            names(Dimension.REFERRER, referrers["host"]),
            names(Dimension.STATUS, statuses["cls"]),
        ]
    )
    return derived, groups
