"""Synthetic web server logs: combined format, one gzip file per year of the business.

A day has a few hundred lines, more as the years go by and fewer at weekends: people from
Japan mostly (and a little from abroad) arriving from search engines or directly and reading
a few pages with the stylesheet; search engines' crawlers; scanners knocking on
``/wp-login.php``; now and then a line cut short (the disk filled up), which the import
quarantines. Times follow the business's day in its own zone.

Each file holds one year and is imported once that year has closed, as an operator importing
rotated logs would: a year's lines are never older than the policy keeps them at the moment
they are imported, so nothing is refused as expired, and the oldest years are already due
when the demo is over (which is what it is for).
"""

from __future__ import annotations

import bisect
import datetime as dt
import gzip
import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pledge.demo.history import History
from pledge.policy import Policy

# Address blocks by country (random hosts inside them), so the country statistics have
# something to show. Weights: a Japanese business's visitors.
CLIENT_BLOCKS = [
    ("126.{}.{}.{}", 30),
    ("133.{}.{}.{}", 10),
    ("153.{}.{}.{}", 12),
    ("60.{}.{}.{}", 10),
    ("101.102.{}.{}", 6),
    ("110.45.{}.{}", 3),
    ("114.32.{}.{}", 3),
    ("81.2.{}.{}", 2),
    ("91.64.{}.{}", 2),
    ("24.48.{}.{}", 2),
    ("203.2.{}.{}", 2),
    ("118.189.{}.{}", 1),
    ("90.54.{}.{}", 1),
    ("2400:4050:{:x}:{:x}::{:x}", 5),
    ("2001:268:{:x}:{:x}::{:x}", 3),
]
BROWSERS = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/{v}.0.0.0 Safari/537.36",
        30,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        22,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SO-51D) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/{v}.0.0.0 Mobile Safari/537.36",
        14,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Safari/605.1.15",
        12,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0",
        10,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0", 8),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0", 4),
]
CRAWLERS = [
    ("66.249.66.{}", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 8),
    ("157.55.39.{}", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 5),
    ("54.36.148.{}", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 3),
    (
        "185.191.171.{}",
        "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
        2,
    ),
    (
        "17.58.{}.{}",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        2,
    ),
    (
        "220.181.108.{}",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        1,
    ),
]
SCANNERS = [
    "python-requests/2.31.0",
    "curl/8.4.0",
    "Mozilla/5.0 zgrab/0.x",
    "-",
    "Go-http-client/1.1",
]
PROBES = [
    "/wp-login.php",
    "/.env",
    "/xmlrpc.php",
    "/wp-admin/",
    "/phpmyadmin/",
    "/.git/config",
    "/admin.php",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
]
SEARCH = [
    ("https://www.google.co.jp/", 40),
    ("https://www.google.com/", 12),
    ("https://search.yahoo.co.jp/", 14),
    ("https://www.bing.com/", 6),
    ("https://duckduckgo.com/", 3),
    ("-", 25),
]
# Visitors by hour of the business's day: quiet at night, busiest in the evening.
HOURS = [2, 1, 1, 1, 1, 2, 4, 6, 8, 10, 10, 9, 9, 10, 10, 9, 9, 9, 10, 12, 12, 10, 7, 4]
STYLESHEET = "/static/web/site.css"


@dataclass(frozen=True, slots=True)
class LogWritten:
    """One log file: where it is, how many lines, and the instant it is imported at."""

    path: Path
    lines: int
    first: dt.date
    last: dt.date
    imported_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Site:
    """What the log is of: the site's host and its pages (path, size in bytes, weight)."""

    host: str
    pages: list[tuple[str, int, int]]


def site_for(policy: Policy) -> Site:
    """The pages of the public site the policy gets (see ``pledge.web.urls``)."""
    website = urlsplit(policy.controller.website or "").hostname
    host = website or policy.controller.email.rpartition("@")[2] or "example.com"
    if policy.accounts.registration:
        pages = [
            ("/", 7400, 30),
            ("/shop/", 9200, 22),
            ("/shop/matcha-30g/", 6100, 8),
            ("/shop/koshihikari-rice-2kg/", 6000, 6),
            ("/shop/pocky-chocolate/", 5900, 5),
            ("/basket/", 4800, 6),
            ("/account/sign-in/", 4300, 5),
            ("/account/register/", 5200, 3),
            ("/privacy/", 15800, 4),
            ("/contact/", 3900, 3),
        ]
    else:
        pages = [
            ("/", 6900, 34),
            ("/services/", 8800, 22),
            ("/ordering/", 7300, 18),
            ("/privacy/", 16400, 6),
            ("/contact/", 3500, 8),
        ]
    return Site(host, pages)


def batches(history: History, policy: Policy) -> list[tuple[dt.date, dt.date]]:
    """The history cut into years (first day, day after the last), each imported when it ends.

    Years end with the fiscal year of the policy's web-log rule where it has one (31 March
    under alps, so one file is one partition), and with December otherwise.
    """
    category = policy.category(policy.web_logs.category or "") if policy.web_logs.keep else None
    fiscal = category.retention.schedule.after_fiscal_year_end if category else None
    month, day = (fiscal.month, fiscal.day) if fiscal else (12, 31)
    cuts, start = [], history.start
    while start < history.end:
        close = dt.date(start.year, month, day) + dt.timedelta(days=1)
        if close <= start:
            close = dt.date(start.year + 1, month, day) + dt.timedelta(days=1)
        cuts.append((start, min(close, history.end)))
        start = close
    return cuts


class _Weighted:
    """A weighted choice by one uniform draw and a bisection (``random.choices`` rebuilds its
    table on every call, which costs more than the rest of a line)."""

    def __init__(self, pairs: list[tuple[object, int]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


class _Writer:
    """Makes one day's lines at a time (sorted by time) from a seeded generator.

    Visitors come from a pool of clients (an address and a browser), so some return; the pool
    is renewed a little every day.
    """

    POOL = 4000

    def __init__(self, rng: random.Random, history: History, site: Site) -> None:
        self.rng, self.history, self.site = rng, history, site
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
        self.page = _Weighted([((p, size), w) for p, size, w in site.pages])
        self.paths = [p for p, _, _ in site.pages]
        self.sizes = {p: size for p, size, _ in site.pages}
        self.block = _Weighted(CLIENT_BLOCKS)
        self.browser = _Weighted(BROWSERS)
        self.referrer = _Weighted(SEARCH)
        self.crawler = _Weighted([((b, a), w) for b, a, w in CRAWLERS])
        self.hour = _Weighted(list(zip(range(24), HOURS, strict=True)))
        self.clients = [self._client() for _ in range(self.POOL)]

    def _client(self) -> tuple[str, str]:
        return self._address(self.block(self.rng)), self.browser(self.rng)

    def _address(self, block: str) -> str:
        r = self.rng.random
        if ":" in block:
            return block.format(*(int(r() * 0xFFFE) + 1 for _ in range(3)))
        return block.format(*(int(r() * 254) + 1 for _ in range(block.count("{}"))))

    def day(self, day: dt.date) -> list[tuple[int, str]]:
        """The lines of one day, as (second of the day, line)."""
        rng, hms = self.rng, self.hms
        r = rng.random
        weekend = day.weekday() >= 5
        growth = 40 + 40 * self.history.share(day)
        sessions = int(growth * (0.7 if weekend else 1.0) * (0.8 + 0.4 * r()))
        noon = self.history.at(day, 12 * 3600)
        before, after = f"[{day.day:02d}/{noon.strftime('%b')}/{day.year}:", f" {noon:%z}]"
        version = 80 + int(6 * (day.year - 2019) + day.month / 2)
        host = f"https://{self.site.host}"
        pool = self.POOL
        out: list[tuple[int, str]] = []
        for _ in range(sessions // 10 + 1):  # the pool changes slowly: returning visitors
            self.clients[int(r() * pool)] = self._client()
        for _ in range(sessions):
            second = self.hour(rng) * 3600 + int(r() * 3600)
            ip, template = self.clients[int(r() * pool)]
            agent = template.format(v=version)
            referrer = self.referrer(rng)
            for index in range(1 + min(int(rng.expovariate(0.8)), 5)):
                path, size = self.page(rng)
                when = min(second, 86399)
                out.append(
                    (
                        when,
                        f'{ip} - - {before}{hms[when]}{after} "GET {path} HTTP/2.0" 200 '
                        f'{size + when % 61 - 30} "{referrer}" "{agent}"\n',
                    )
                )
                if index == 0:
                    when = min(second + 1, 86399)
                    head = f'{ip} - - {before}{hms[when]}{after} "GET '
                    tail = f' "{host}{path}" "{agent}"\n'
                    out.append((when, f'{head}{STYLESHEET} HTTP/2.0" 200 5123{tail}'))
                    out.append((when, f'{head}/favicon.ico HTTP/2.0" 404 179{tail}'))
                referrer = f"{host}{path}"
                second += 8 + int(r() * 142)
        for _ in range(int(sessions * (0.6 + 0.6 * r()))):
            block, agent = self.crawler(rng)
            path = self.paths[int(r() * len(self.paths))] if r() < 0.85 else "/robots.txt"
            when = int(r() * 86400)
            out.append(
                (
                    when,
                    f"{self._address(block)} - - {before}{hms[when]}{after} "
                    f'"GET {path} HTTP/1.1" 200 {self.sizes.get(path, 96)} "-" "{agent}"\n',
                )
            )
        for _ in range(2 + int(r() * 7)):
            when = int(r() * 86400)
            request = f"{rng.choice(['GET', 'GET', 'POST'])} {rng.choice(PROBES)} HTTP/1.1"
            out.append(
                (
                    when,
                    f"{self._address(self.block(rng))} - - {before}{hms[when]}{after} "
                    f'"{request}" 404 179 "-" "{rng.choice(SCANNERS)}"\n',
                )
            )
        if r() < 1 / 30:
            # A line cut short where the disk filled up: the import quarantines it.
            when = int(r() * 86400)
            out.append(
                (
                    when,
                    f"{self._address(self.block(rng))} - - {before}{hms[when]}{after} "
                    '"GET /ordering/ HT\n',
                )
            )
        out.sort(key=lambda item: item[0])
        return out


def logs_write(
    *, rng: random.Random, history: History, policy: Policy, directory: Path
) -> list[LogWritten]:
    """Write the history's access logs, one gzip file per year; what was written."""
    directory.mkdir(parents=True, exist_ok=True)
    writer = _Writer(rng, history, site_for(policy))
    written = []
    for first, after in batches(history, policy):
        last = after - dt.timedelta(days=1)
        path = directory / f"access-{first:%Y%m%d}-{last:%Y%m%d}.log.gz"
        count, day = 0, first
        # mtime 0 and no file name in the header: the same seed writes the same bytes.
        with (
            path.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=3) as out,
        ):
            while day < after:
                lines = [line for _, line in writer.day(day)]
                out.write("".join(lines).encode("utf-8"))
                count += len(lines)
                day += dt.timedelta(days=1)
        written.append(LogWritten(path, count, first, last, history.at(after)))
    return written
