"""AL6, AL11, JC11 and every category's retention rule: nothing is kept past its due date.

One result per category of the policy, since each category's period is its own promise. A
record is overdue when the calendar made it due before the last sweep that should have taken
it: the later of the last finished sweep and the daily sweep hour (in the controller's time
zone) at least an hour ago. Records merely due since then are waiting for the next sweep, as
the policy's schedule allows. Partitions of raw logs are judged by their period, read as late
as their name allows, so a partition reported overdue is overdue however its name is read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.results import Evidence, Result, Status, Verdict
from pledge.conformance.scan import partitions as parts
from pledge.datamap import registry
from pledge.policy import Policy
from pledge.policy.calendar import deadline
from pledge.policy.schema import Category
from pledge.retention.models import SweepRun
from pledge.retention.plan import Entry, plan, rule_words

SWEEP_SLACK = dt.timedelta(hours=1)
CLAUSES: dict[str, tuple[str, ...]] = {
    "user.session": ("JC11",),
    "user.device.web_logs": ("AL6", "AL11"),
    "user.behavior.purchase_history": ("AL11",),
}


def sweep_reference(policy: Policy, now: dt.datetime) -> tuple[dt.datetime, str]:
    """The instant by which everything then due must be gone, and why that instant."""
    zone = ZoneInfo(policy.time_zone)
    local = (now - SWEEP_SLACK).astimezone(zone)
    day = local.date() if local.hour >= policy.sweep_hour else local.date() - dt.timedelta(days=1)
    slot = dt.datetime.combine(day, dt.time(policy.sweep_hour), tzinfo=zone)
    reference, why = slot, f"the daily sweep of {slot:%-d %B %Y %H:%M} ({policy.time_zone})"
    last = SweepRun.objects.filter(finished_at__isnull=False).order_by("-as_of").first()
    if last is not None and last.as_of > slot:
        reference, why = last.as_of, f"the last sweep, as of {last.as_of:%-d %B %Y %H:%M:%S} UTC"
    return reference, why


def _shredded(partition: parts.Partition) -> bool:
    """Encrypted and its key destroyed: the bytes remain, but they are no one's data any more."""
    return not parts.in_clear(partition) and parts.period_key(partition) is None


@store_check
class NothingOverdue(StoreCheck):
    id = "retention"
    title = "Nothing is kept past its due date"

    def verdict(self, context: StoreContext) -> Verdict:  # pragma: no cover - see results()
        raise NotImplementedError

    def results(self, context: StoreContext) -> list[Result]:
        try:
            return self._results(context)
        except Exception as exc:  # a crash is an error result, never a pass
            return [
                Result(
                    check=self.id,
                    title=self.title,
                    promise="every category's retention rule",
                    clauses=(),
                    status=Status.ERROR,
                    summary=f"the check could not finish: {type(exc).__name__}: {exc}",
                )
            ]

    def _results(self, context: StoreContext) -> list[Result]:
        policy = context.policy
        reference, why = sweep_reference(policy, context.now)
        entries: dict[str, list[Entry]] = defaultdict(list)
        for entry in plan(policy, list(registry.holders(policy)), reference):
            entries[entry.category].append(entry)
        files = defaultdict(list)
        gaps: dict[str, list[str]] = defaultdict(list)
        for partition in parts.partitions(context.data_dir):
            if partition.category is None or partition.period is None:
                gaps["(unknown)"].append(f"{partition.shown}: names no category or period")
            else:
                files[partition.category].append(partition)
        categories = {c.id: c for c in policy.categories}
        for held in [*entries, *files]:
            found = policy.category(held)
            if found is not None:
                categories.setdefault(held, found)
        results = [
            self._category(policy, category, entries[cid], files[cid], reference, why)
            for cid, category in categories.items()
        ]
        orphans = [p for c, ps in files.items() if c not in categories for p in ps]
        if orphans or gaps["(unknown)"]:
            results.append(self._orphans(orphans, gaps["(unknown)"]))
        return results

    def _category(
        self,
        policy: Policy,
        category: Category,
        entries: list[Entry],
        files: list[parts.Partition],
        reference: dt.datetime,
        why: str,
    ) -> Result:
        rule = category.retention
        overdue = [
            Evidence(
                f"{plural(e.due_now, 'record')} due by {why} still stored (anchor on or before "
                f"{e.cutoff:%Y-%m-%d %H:%M} UTC)",
                e.holder,
            )
            for e in entries
            if e.due_now
        ]
        gaps = []
        zone = ZoneInfo(policy.time_zone)
        fiscal = rule.schedule.after_fiscal_year_end
        for partition in files:
            try:
                latest = parts.latest_instant(
                    partition.period or "", (fiscal.month, fiscal.day) if fiscal else None, zone
                )
            except ValueError as exc:
                gaps.append(f"{partition.shown}: {exc}")
                continue
            due = deadline(latest, rule, zone).due_at
            if due is not None and due <= reference and not _shredded(partition):
                overdue.append(
                    Evidence(
                        f"raw log partition of period {partition.period} was due by "
                        f"{due.astimezone(zone):%-d %B %Y} ({policy.time_zone}) and is still "
                        "stored",
                        partition.shown,
                    )
                )
        held = [e for e in entries if e.model_holder is not None]
        checked = [Evidence(f"{e.holder}: {e.reason}", e.holder) for e in held if not e.due_now]
        stores = [s for s in registry.store_holders() if s.category == category.id]
        checked += [
            Evidence(f"{s.label}: {plural(len(files), 'partition file')} by period", s.label)
            for s in stores
        ]
        status = Status.BROKEN if overdue else Status.KEPT
        if not held and not files and not stores:
            status = Status.NOT_APPLICABLE
            summary = "nothing on this server holds this category"
        elif overdue:
            summary = f"{category.name}: kept past the due date ({rule_words(rule, policy)})"
        else:
            count = plural(len(held) + len(stores), "holder")
            summary = f"{category.name}: nothing overdue in {count} ({rule_words(rule, policy)})"
        return Result(
            check=f"{self.id}:{category.id}",
            title=f"{category.name}: nothing kept past its due date",
            promise=(rule.reason or rule_words(rule, policy)).strip(),
            clauses=CLAUSES.get(category.id, ()),
            status=status,
            summary=summary,
            evidence=tuple(overdue + checked),
            gaps=tuple(gaps),
        )

    def _orphans(self, orphans: list[parts.Partition], unknown: list[str]) -> Result:
        evidence = [
            Evidence(
                f"a partition of category {p.category!r}, which the policy does not declare",
                p.shown,
            )
            for p in orphans
        ]
        return Result(
            check=f"{self.id}:partitions",
            title="Raw log partitions belong to declared categories",
            promise="every stored category has a retention rule",
            clauses=("AL6",),
            status=Status.BROKEN if orphans else Status.KEPT,
            summary=(
                f"{plural(len(orphans), 'partition')} of undeclared categories"
                if orphans
                else "every partition names a category the policy declares"
            ),
            evidence=tuple(evidence),
            gaps=tuple(unknown),
        )
