"""Counting a visitor once a day without keeping anything that could find them again (JC7).

A visitor is a network address and browser string on one day. They are counted through a keyed
64-bit hash under that day's salt, a data key in the vault's key database made on first use
and destroyed 48 hours later (the policy's ``analytics.unique_salt_lifetime``). The hashes live
only in memory while a day is being counted; the database receives counts. Once the salt is
destroyed no one, pledge included, can tell whether an address was among a day's visitors.

Where the policy keeps no logs, a day whose salt is destroyed is closed: lines of it are
refused, because their visitors could no longer be told apart from those already counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

import polars as pl

from pledge.policy import Policy
from pledge.traffic.models import VisitSalt
from pledge.traffic.periods import salt_period
from pledge.vault import keyring

BROWSING = "user.behavior.browsing"


def traffic_category(policy: Policy) -> str:
    """The policy category of what traffic holds outside the counts: the web server logs
    where they are kept, otherwise the visit statistics whose daily salts these are."""
    if policy.web_logs.keep and policy.web_logs.category:
        return policy.web_logs.category
    return BROWSING


def salt_ref(policy: Policy, day: dt.date) -> keyring.KeyRef:
    return keyring.KeyRef(category=traffic_category(policy), period=salt_period(day))


class DayClosed(Exception):
    """The day's salt is destroyed and the policy keeps no logs: it can no longer be counted."""


class Salts:
    """The salts of the days a run touches, fetched once each."""

    def __init__(self, policy: Policy, *, now: dt.datetime) -> None:
        self.policy, self.now = policy, now
        self._salts: dict[dt.date, bytes | None] = {}

    def get(self, day: dt.date) -> bytes | None:
        """The salt of ``day``; None when the day is closed."""
        if day not in self._salts:
            self.fetch([day])
        return self._salts[day]

    def fetch(self, days: Iterable[dt.date]) -> None:
        """Fetch (or make) the salts of ``days`` not fetched yet, all together: a new salt is a
        key-database commit, and an import of years of logs meets a day after another."""
        wanted = [day for day in dict.fromkeys(days) if day not in self._salts]
        if not wanted:
            return
        rows = {row.day: row for row in VisitSalt.objects.filter(day__in=wanted)}
        shredded = [day for day, row in rows.items() if row.shredded_at is not None]
        if shredded and not self.policy.web_logs.keep:
            self._salts.update(dict.fromkeys(shredded))
        elif shredded:
            # Logs kept: the raw lines are the record of what was counted, so a new salt can
            # safely begin (the day's visitors are recounted from the raw lines).
            VisitSalt.objects.filter(day__in=shredded).update(created_at=self.now, shredded_at=None)
        # Another process may make some meanwhile: theirs stand.
        VisitSalt.objects.bulk_create(
            [VisitSalt(day=day, created_at=self.now) for day in wanted if day not in rows],
            ignore_conflicts=True,
        )
        open_days = [day for day in wanted if day not in self._salts]
        refs = {day: salt_ref(self.policy, day) for day in open_days}
        keys = keyring.get_or_create_many(refs.values())
        self._salts.update({day: keys[ref.handle] for day, ref in refs.items()})

    def keep_only(self, days: set[dt.date]) -> None:
        """Forget the salts of days no longer being counted (they stay in the vault)."""
        for day in set(self._salts) - days:
            del self._salts[day]


def seed(salt: bytes) -> int:
    """The 64-bit key the day's visitor hashes are computed under."""
    return int.from_bytes(hashlib.blake2b(salt, digest_size=8, person=b"pledge-visitor").digest())


def visitor_ids(frame: pl.DataFrame, salts: Salts) -> pl.DataFrame:
    """``frame`` (day, ip_h, agent_h, ...: ``classify.derive``) with a ``visitor`` column: a
    64-bit hash of address and browser string keyed by the day's salt; null on closed days.

    polars' seeded hash over the chunk at once, of the two values' own hashes (computed once,
    for the lookups); the hashes exist only in memory.
    """
    days = frame["day"].unique().to_list()
    salts.fetch(days)
    seeds = {day: seed(salt) for day in days if (salt := salts.get(day)) is not None}
    if len(days) > _FEW_DAYS:
        return _by_day(frame, seeds)
    visitor = pl.lit(None, dtype=pl.UInt64)
    for day, key in seeds.items():
        keyed = pl.struct("ip_h", "agent_h").hash(key)
        visitor = keyed if len(days) == 1 else (
            pl.when(pl.col("day") == day).then(keyed).otherwise(visitor)
        )  # fmt: skip
    return frame.with_columns(visitor=visitor)


# A chunk of a live day or of a busy site's log spans a day or two: one expression chooses each
# line's seed. A chunk of a quiet site's years spans hundreds, where that expression, nested a
# level a day, costs more than hashing each day's lines apart (measured: 0.31 s against 0.06 s
# for 10,000 lines over 365 days).
_FEW_DAYS = 8


def _keyed(key: int | None) -> pl.Expr:
    if key is None:
        return pl.lit(None, dtype=pl.UInt64)
    return pl.struct("ip_h", "agent_h").hash(key)


def _by_day(frame: pl.DataFrame, seeds: dict[dt.date, int]) -> pl.DataFrame:
    numbered = frame.with_row_index("_row")
    parts = [
        part.with_columns(visitor=_keyed(seeds.get(day)))
        for (day,), part in numbered.group_by("day")
    ]
    return pl.concat(parts).sort("_row").drop("_row")
