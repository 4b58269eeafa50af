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

import polars as pl
from django.db import IntegrityError, transaction

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
            self._salts[day] = self._fetch(day)
        return self._salts[day]

    def keep_only(self, days: set[dt.date]) -> None:
        """Forget the salts of days no longer being counted (they stay in the vault)."""
        for day in set(self._salts) - days:
            del self._salts[day]

    def _fetch(self, day: dt.date) -> bytes | None:
        row = VisitSalt.objects.filter(day=day).first()
        if row is not None and row.shredded_at is not None:
            if not self.policy.web_logs.keep:
                return None
            # Logs kept: the raw lines are the record of what was counted, so a new salt
            # can safely begin (the day's visitors are recounted from the raw lines).
            VisitSalt.objects.filter(pk=row.pk).update(created_at=self.now, shredded_at=None)
        elif row is None:
            try:
                with transaction.atomic():
                    VisitSalt.objects.create(day=day, created_at=self.now)
            except IntegrityError:
                pass  # another process made it first
        return keyring.get_or_create(salt_ref(self.policy, day))


def seed(salt: bytes) -> int:
    """The 64-bit key the day's visitor hashes are computed under."""
    return int.from_bytes(hashlib.blake2b(salt, digest_size=8, person=b"pledge-visitor").digest())


def visitor_ids(frame: pl.DataFrame, salts: Salts) -> pl.DataFrame:
    """``frame`` (day, ip_h, agent_h, ...: ``classify.derive``) with a ``visitor`` column: a
    64-bit hash of address and browser string keyed by the day's salt; null on closed days.

    polars' seeded hash over the chunk at once, of the two values' own hashes (computed once,
    for the lookups); the hashes exist only in memory.
    """
    visitor = pl.lit(None, dtype=pl.UInt64)
    days = frame["day"].unique().to_list()
    for day in days:
        salt = salts.get(day)
        if salt is not None:
            keyed = pl.struct("ip_h", "agent_h").hash(seed(salt))
            visitor = keyed if len(days) == 1 else (
                pl.when(pl.col("day") == day).then(keyed).otherwise(visitor)
            )  # fmt: skip
    return frame.with_columns(visitor=visitor)
