# ruff: noqa: E501 - tables of browser strings, one a line
"""Generate a synthetic access log in Apache/nginx combined format, deterministically.

    python3 -m uv run python bench/traffic/generate.py --lines 1000000 -o bench/traffic/out/1m.log

What it models, so that the benchmark exercises every stage of the pipeline:

- tens of thousands of clients (``--clients``, 40,000 by default), about one in five on IPv6,
  drawn from address blocks the five regional registries allocate, so countries vary; each
  client keeps its address and its browser for the whole log, and a few clients are far busier
  than most (Zipf);
- paths drawn from a Zipf-like distribution over ``--paths`` pages and assets, some with query
  strings;
- crawlers and scripts (``--bot-share``, 12 % by default) with real crawler user agents;
- referrers: direct visits, search engines, social sites, other sites, and the site itself;
- varied user agents: a few thousand browser strings built from real templates and versions;
- statuses (200, 304, 301, 404, 500), methods (GET, POST, HEAD), sizes;
- timestamps that only move forward, spread over ``--days`` days from ``--start``.

The output is the same for the same arguments, so GoAccess and pledge read identical bytes.
It is written in blocks of 500,000 lines with polars, so generating 10,000,000 lines takes
seconds and little memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path
from typing import BinaryIO

import polars as pl

BLOCK = 500_000

# Allocated IPv4 /8 blocks (a sample across the five registries) and IPv6 /12s.
IPV4_FIRST_OCTETS = [
    1, 2, 5, 14, 23, 24, 27, 31, 36, 37, 41, 42, 43, 45, 46, 49, 50, 58, 59, 60, 61, 62, 63,
    64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86,
    87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 101, 102, 103, 104, 105, 106, 107, 108,
    109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126,
    128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145,
    146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163,
    164, 165, 166, 167, 168, 170, 171, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183,
    184, 185, 186, 187, 188, 189, 190, 191, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202,
    203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 216, 217, 218, 219, 220, 221, 222,
    223,
]  # fmt: skip
IPV6_PREFIXES = [0x2001, 0x2400, 0x2401, 0x2403, 0x2404, 0x2600, 0x2601, 0x2602, 0x2603,
                 0x2604, 0x2605, 0x2800, 0x2801, 0x2803, 0x2a00, 0x2a01, 0x2a02, 0x2a03,
                 0x2a05, 0x2c0f]  # fmt: skip

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{b}.{p} Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{b}.{p} Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{b}.{p} Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{s}.{p10} Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS {i}_{p10} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{i}.{p10} Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS {i}_{p10} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{i}.{p10} Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android {a}; Pixel {px}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{b}.{p} Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android {a}; SM-G99{px}B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{s}.0 Chrome/{v}.0.{b}.{p} Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android {a}; SM-X{px}00) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{b}.{p} Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{b}.{p} Safari/537.36 Edg/{v}.0.{b}.{p}",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.{b}.{p} Safari/537.36 OPR/{s}.0.0.0",
]  # fmt: skip
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)",
    "Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
]  # fmt: skip
REFERRERS = [
    "-", "https://www.google.com/", "https://www.google.co.jp/", "https://www.bing.com/",
    "https://duckduckgo.com/", "https://search.yahoo.co.jp/", "https://t.co/", "https://www.facebook.com/",
    "https://news.ycombinator.com/", "https://www.reddit.com/r/japan/", "https://example.org/links.html",
    "https://blog.example.net/2024/05/printers", "android-app://com.google.android.gm/",
]  # fmt: skip
SECTIONS = ["products", "printers", "ink", "support", "blog", "news", "guides", "docs", "shop"]
ASSETS = ["css/site.css", "js/app.js", "img/logo.png", "img/hero.jpg", "favicon.ico",
          "fonts/noto.woff2", "robots.txt", "sitemap.xml"]  # fmt: skip


class Draw:
    """Random draws as polars Series (polars samples in Rust; numpy is not a dependency)."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def _seed(self) -> int:
        return self.random.getrandbits(63)

    def uniform(self, high: int, size: int) -> pl.Series:
        """Integers in [0, high)."""
        return pl.int_range(0, high, eager=True).sample(
            size, with_replacement=True, seed=self._seed()
        )

    def zipf(self, n: int, size: int, s: float, resolution: int = 2_000_000) -> pl.Series:
        """Integers in [0, n) with probability close to 1/(i+1)^s: a uniform draw from a pool
        in which each index appears in proportion to its weight (at least once)."""
        weights = [1.0 / (i + 1) ** s for i in range(n)]
        total = sum(weights)
        counts = [max(1, round(w / total * resolution)) for w in weights]
        pool = pl.int_range(0, n, eager=True).repeat_by(pl.Series(counts)).explode()
        return pool.sample(size, with_replacement=True, seed=self._seed())

    def choice(self, values: list, weights: list[float], size: int) -> pl.Series:
        cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
        draw = self.uniform(1_000_000, size).cast(pl.Float64) / 1_000_000
        index = pl.Series(cumulative).search_sorted(draw, side="right").clip(0, len(values) - 1)
        return pl.Series(values).gather(index)


def _user_agents(rng: random.Random, count: int) -> list[str]:
    agents: set[str] = set()
    while len(agents) < count:
        template = rng.choice(BROWSERS)
        agents.add(
            template.format(
                v=rng.randrange(100, 132),
                b=rng.randrange(4000, 7000),
                p=rng.randrange(200),
                s=rng.randrange(14, 26),
                i=rng.randrange(14, 19),
                p10=rng.randrange(8),
                a=rng.randrange(9, 15),
                px=rng.randrange(3, 9),
            )
        )
    return sorted(agents)


def _addresses(rng: random.Random, count: int, v6_share: float) -> list[str]:
    out = []
    for _ in range(count):
        if rng.random() < v6_share:
            groups = [rng.choice(IPV6_PREFIXES), *(rng.randrange(0x10000) for _ in range(7))]
            out.append(":".join(f"{g:x}" for g in groups))
        else:
            first = rng.choice(IPV4_FIRST_OCTETS)
            out.append(f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}")
    return out


def _paths(rng: random.Random, count: int) -> list[str]:
    paths = ["/", "/privacy/", "/contact/", "/ordering/", "/services/"]
    paths += [f"/static/{a}" for a in ASSETS]
    while len(paths) < count:
        page = f"/{rng.choice(SECTIONS)}/{rng.randrange(1, 10**6):x}-{rng.randrange(1, 999)}/"
        if rng.random() < 0.1:
            page += f"?page={rng.randrange(1, 20)}"
        paths.append(page)
    return paths


def generate(
    out: BinaryIO, *, lines: int, clients: int, paths: int, days: int, start: dt.datetime,
    bot_share: float, v6_share: float, seed: int,
) -> None:  # fmt: skip
    draw = Draw(seed)
    rng = draw.random
    agents = pl.Series(_user_agents(rng, 3000))
    addresses = pl.Series(_addresses(rng, clients, v6_share))
    client_agent = pl.Series([rng.randrange(len(agents)) for _ in range(clients)])
    bot_clients = max(1, int(clients * 0.02))
    pool = _paths(rng, paths)
    referrers = REFERRERS + [f"https://www.example.jp{p}" for p in pool[:200]]
    path_col, ref_col, bot_col = pl.Series(pool), pl.Series(referrers), pl.Series(BOTS)
    span, start_us = days * 86400, int(start.timestamp()) * 1_000_000
    written = 0
    while written < lines:
        n = min(BLOCK, lines - written)
        is_bot = draw.uniform(1_000_000, n) < int(bot_share * 1_000_000)
        human = draw.zipf(clients - bot_clients, n, 0.9)
        bot = draw.uniform(bot_clients, n) + (clients - bot_clients)
        ref = pl.select(
            pl.when(draw.uniform(100, n) < 45).then(0).otherwise(draw.zipf(len(referrers), n, 1.1))
        ).to_series()
        status = draw.choice([200, 304, 301, 404, 500], [0.82, 0.08, 0.03, 0.065, 0.005], n)
        frame = pl.DataFrame(
            {
                "seq": pl.int_range(written, written + n, eager=True),
                "is_bot": is_bot,
                "client": pl.select(pl.when(is_bot).then(bot).otherwise(human)).to_series(),
                "page": draw.zipf(len(pool), n, 1.05),
                "ref": ref,
                "status": status,
                "method": draw.choice(["GET", "POST", "HEAD"], [0.93, 0.04, 0.03], n),
                "size": draw.uniform(250_000, n) + 200,
            }
        )
        text = frame.select(
            pl.concat_str(
                [
                    pl.col("client").map_batches(lambda c: addresses.gather(c)),
                    pl.lit(" - - ["),
                    # Timestamps spread evenly over the span: they only move forward.
                    ((pl.col("seq") * span // lines) * 1_000_000 + start_us)
                    .cast(pl.Datetime("us", "UTC"))
                    .dt.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                    pl.lit('] "'),
                    pl.col("method"),
                    pl.lit(" "),
                    pl.col("page").map_batches(lambda c: path_col.gather(c)),
                    pl.lit(' HTTP/1.1" '),
                    pl.col("status").cast(pl.String),
                    pl.lit(" "),
                    pl.when(pl.col("status") == 304)
                    .then(0)
                    .otherwise(pl.col("size"))
                    .cast(pl.String),
                    pl.lit(' "'),
                    pl.col("ref").map_batches(lambda c: ref_col.gather(c)),
                    pl.lit('" "'),
                    pl.when(pl.col("is_bot"))
                    .then(pl.col("client").map_batches(lambda c: bot_col.gather(c % len(BOTS))))
                    .otherwise(
                        pl.col("client").map_batches(
                            lambda c: agents.gather(client_agent.gather(c))
                        )
                    ),
                    pl.lit('"'),
                ]
            ).alias("line")
        )
        text.write_csv(out, include_header=False, quote_style="never")
        written += n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=40_000)
    parser.add_argument("--paths", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--start", default="2025-04-01T00:00:00+00:00")
    parser.add_argument("--bot-share", type=float, default=0.12)
    parser.add_argument("--v6-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=20250401)
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    options = dict(
        lines=args.lines, clients=args.clients, paths=args.paths, days=args.days,
        start=dt.datetime.fromisoformat(args.start), bot_share=args.bot_share,
        v6_share=args.v6_share, seed=args.seed,
    )  # fmt: skip
    if args.output is None:
        generate(sys.stdout.buffer, **options)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.output.open("wb") as out:
            generate(out, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
