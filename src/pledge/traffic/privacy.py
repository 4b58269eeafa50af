"""Traffic's personal data, declared to the datamap.

The database holds counts and bookkeeping only. What identifies a visitor lives outside it, in
the encrypted partitions under ``DATA_DIR/partitions``: raw log lines and quarantined lines
where the policy keeps web server logs (alps), otherwise only each day's ledger of line
fingerprints, under the day's visit salt (japan-centre). That store is erased per period by
destroying its key; it is declared as the policy's web-log category where logs are kept, and as
its visit-statistics category otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Sum

from pledge.datamap.registry import NoPersonalData, PeriodDue, StoreHolder, declare
from pledge.traffic import periods
from pledge.traffic.models import DailyCount, FileKind, Ingest, LogFile, Rejection, VisitSalt
from pledge.traffic.services import log_partitions_expire, visit_salts_expire
from pledge.traffic.visitors import traffic_category


class PartitionStore:
    """The encrypted partitions, as the datamap sees them: how many lines they hold."""

    name = "traffic partitions"

    def count(self) -> int:
        return LogFile.objects.aggregate(rows=Sum("rows"))["rows"] or 0

    def periods(self, *, now: dt.datetime) -> list[PeriodDue]:
        """Each period's lines and when they fall due: a log period when its last possible
        line is (a fiscal year's together, under alps), a day's ledger with its visit salt."""
        policy = settings.POLICY
        lifetime = policy.analytics.unique_salt_lifetime
        salts = {
            periods.salt_period(salt.day): lifetime.after(salt.created_at, dt.UTC)
            for salt in VisitSalt.objects.filter(shredded_at__isnull=True)
        }
        rows = (
            LogFile.objects.values("kind", "period")
            .annotate(records=Sum("rows"))
            .order_by("period")
        )
        found: dict[str, PeriodDue] = {}
        for row in rows:
            period = row["period"]
            due = salts.get(period) if row["kind"] == FileKind.LEDGER else (
                periods.period_due(period, policy))  # fmt: skip
            before = found.get(period)
            records = row["records"] + (before.records if before else 0)
            found[period] = PeriodDue(period, records, due)
        return list(found.values())

    def expire(self, *, now: dt.datetime) -> int:
        """Everything due at ``now``, for the retention sweep: log periods past their keep
        (key shredded, files removed) and visit salts past their lifetime (with their day's
        ledger). Returns how many lines went."""
        before = self.count()
        log_partitions_expire(now=now)
        visit_salts_expire(now=now)
        return before - self.count()


class _PolicyStoreHolder(StoreHolder):
    """A store whose category depends on the active policy (see the module docstring).

    ``StoreHolder`` takes a fixed category; the partitions hold web logs under one policy and
    visit statistics under another, so the category is read from the policy when asked.
    """

    def __init__(self, store: Any, description: str) -> None:
        object.__setattr__(self, "store", store)
        object.__setattr__(self, "description", description)

    @property  # type: ignore[override]
    def category(self) -> str:
        return traffic_category(settings.POLICY)


declare(
    NoPersonalData(
        DailyCount,
        reason="views and visitor counts per day and page, referring site, browser family, "
        "device class, country or status; no address or hash; groups below the policy's "
        "minimum are suppressed in every report",
    ),
    NoPersonalData(VisitSalt, reason="the dates a day's salt was made and destroyed"),
    NoPersonalData(Ingest, reason="file names and line counts of each import"),
    NoPersonalData(Rejection, reason="file name, line number and reason of a line that did "
                   "not parse; the line itself is quarantined encrypted, or not kept"),
    NoPersonalData(LogFile, reason="paths, periods, sizes and time spans of the encrypted "
                   "partition files"),
    _PolicyStoreHolder(
        PartitionStore(),
        description="Encrypted Parquet partitions: raw and quarantined log lines where logs "
        "are kept; otherwise each day's ledger of line fingerprints. One key per period.",
    ),
)  # fmt: skip
