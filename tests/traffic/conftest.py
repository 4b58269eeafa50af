"""Shared set-up for the traffic tests: a policy, a data directory of the test's own, log lines.

Each test that reaches the partitions gets its own ``DATA_DIR`` (``tmp_path``), so encrypted
files never leak from one test to another; keys live in the test run's key database.
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.shared import SHARED

from pledge.policy import Policy, load

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SHARED_DATA = SHARED / "data"
REAL_LOG = SHARED_DATA / "logs" / "apache_logs"

# 2025-05-14 is a Wednesday: in Tokyo and in London alike, the lines below fall on that day.
DAY = dt.date(2025, 5, 14)
NOON = dt.datetime(2025, 5, 14, 3, 0, tzinfo=dt.UTC)  # 12:00 in Tokyo, 04:00 in London
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def policy(name: str) -> Policy:
    return load(POLICIES / f"{name}.yaml")


def combined(
    ip: str = "203.0.113.7",
    at: dt.datetime = NOON,
    path: str = "/",
    status: int = 200,
    size: int = 512,
    referrer: str = "-",
    agent: str = CHROME,
    method: str = "GET",
) -> str:
    """One line of Apache/nginx combined format."""
    return (
        f'{ip} - - [{at:%d/%b/%Y:%H:%M:%S %z}] "{method} {path} HTTP/1.1" {status} {size} '
        f'"{referrer}" "{agent}"'
    )


def visits(count: int, *, path: str = "/", start: dt.datetime = NOON, **fields: str) -> list[str]:
    """``count`` lines from ``count`` distinct visitors (198.51.100.1, .2, ... 198.51.101.1)."""
    return [
        combined(ip=address(i), at=start + dt.timedelta(seconds=i), path=path, **fields)  # type: ignore[arg-type]
        for i in range(count)
    ]


def address(i: int) -> str:
    return f"198.51.{100 + i // 250}.{i % 250 + 1}"


@pytest.fixture
def under(settings, tmp_path: Path) -> Callable[[str], Policy]:
    """``under("alps")``: run the test under that policy, with a data directory of its own."""

    def use(name: str) -> Policy:
        settings.POLICY = policy(name)
        settings.DATA_DIR = tmp_path / "data"
        settings.DATA_DIR.mkdir(exist_ok=True)
        return settings.POLICY

    return use


@pytest.fixture
def write_log(tmp_path: Path) -> Callable[..., Path]:
    """Write lines to a log file (``gz=True`` for gzip); returns its path."""

    def write(name: str, lines: list[str], *, gz: bool = False) -> Path:
        path = tmp_path / name
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    return write


@pytest.fixture
def real_log() -> Iterator[Path]:
    if not REAL_LOG.is_file():
        pytest.skip(f"the real log is not here ({REAL_LOG}): ../shared/data lives beside the "
                    "project in checkouts and CI, not in a user's clone")  # fmt: skip
    yield REAL_LOG
