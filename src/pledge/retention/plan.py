"""The retention plan: for every holder, what is due now, what is due next and when, and why.

Due dates come from the calendar (``pledge.policy.calendar.deadline``), which is monotone in the
anchor: a later anchor is never due earlier. So the records due at an instant are exactly those
whose anchor is at or before one cutoff, found by bisection over time, and a sweep deletes
``anchor <= cutoff`` in batches instead of computing a date per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pledge.datamap.registry import Holder, StoreHolder
from pledge.policy import Policy
from pledge.policy.calendar import deadline
from pledge.policy.schema import Retention
from pledge.retention.holds import held_subjects

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Entry:
    holder: str
    category: str
    rule: str
    due_now: int
    cutoff: dt.datetime | None
    next_due: dt.datetime | None
    next_count: int
    reason: str
    held: int = 0
    model_holder: Holder | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "holder": self.holder,
            "category": self.category,
            "rule": self.rule,
            "due_now": self.due_now,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "next_count": self.next_count,
            "held": self.held,
            "reason": self.reason,
        }


def cutoff_for(rule: Retention, zone: ZoneInfo, now: dt.datetime) -> dt.datetime | None:
    """The latest anchor whose record is due at ``now`` (None: nothing can be due yet)."""

    def due(anchor: dt.datetime) -> bool:
        when = deadline(anchor, rule, zone).due_at
        return when is not None and when <= now

    if rule.maximum is None or not due(EPOCH):
        return None
    if due(now):
        return now
    lo, hi = EPOCH, now  # due(lo) holds, due(hi) does not
    # To the microsecond, the resolution of stored times: any coarser, and a record due at the
    # very instant of a sweep (or up to that much before it) would wait for the next one.
    while hi - lo > dt.timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        lo, hi = (mid, hi) if due(mid) else (lo, mid)
    return lo


def rule_words(rule: Retention, policy: Policy) -> str:
    if rule.maximum is None:
        return f"kept at least {rule.minimum.words()}, then until a written request"
    text = f"kept {rule.maximum.words()} from {rule.anchor.value.replace('-', ' ')}"
    fiscal = rule.schedule.after_fiscal_year_end
    if fiscal is not None:
        text += f", deleted after the fiscal year end on {fiscal.words()}"
        if not rule.schedule.grace.is_zero:
            text += f" within {rule.schedule.grace.words()}"
    return text


def _holder_entry(holder: Holder, policy: Policy, now: dt.datetime) -> Entry | None:
    category_id = holder.category_in(policy)
    category = policy.category(category_id)
    if category is None:
        return None
    rule, zone = category.retention, ZoneInfo(policy.time_zone)
    words = rule_words(rule, policy)
    rows = holder.model._default_manager.all()
    if holder.anchor is None:
        return Entry(
            holder.label,
            category_id,
            words,
            0,
            None,
            None,
            0,
            "erased by the erasure service when its anchor event happens "
            f"({rule.anchor.value.replace('-', ' ')})",
            model_holder=holder,
        )
    if rule.maximum is None:
        waiting = rows.exclude(**{f"{holder.anchor}__isnull": True}).count()
        return Entry(
            holder.label,
            category_id,
            words,
            0,
            None,
            None,
            0,
            f"{waiting} kept until their owners ask in writing (none is swept)",
            model_holder=holder,
        )
    whole, subjects = held_subjects(category=category_id, now=now)
    live = rows.exclude(**{f"{holder.anchor}__isnull": True})
    if holder.subject and subjects:
        live = live.exclude(**{f"{holder.subject}__in": subjects})
    held = rows.count() - live.count() if (whole or subjects) else 0
    if whole:
        return Entry(
            holder.label,
            category_id,
            words,
            0,
            None,
            None,
            0,
            "the whole category is under a legal hold",
            held=held,
            model_holder=holder,
        )
    cutoff = cutoff_for(rule, zone, now)
    due_now = live.filter(**{f"{holder.anchor}__lte": cutoff}).count() if cutoff else 0
    later = live.filter(**{f"{holder.anchor}__gt": cutoff}) if cutoff else live
    first = later.order_by(holder.anchor).values_list(holder.anchor, flat=True).first()
    next_due, next_count = None, 0
    if first is not None:
        next_due = deadline(first, rule, zone).due_at
        next_cutoff = cutoff_for(rule, zone, next_due) if next_due else None
        if next_cutoff is not None:
            next_count = later.filter(**{f"{holder.anchor}__lte": next_cutoff}).count()
    reason = (rule.reason or words).strip()
    return Entry(
        holder.label,
        category_id,
        words,
        due_now,
        cutoff,
        next_due,
        next_count,
        reason,
        held=held,
        model_holder=holder,
    )


def _store_entry(holder: StoreHolder, policy: Policy, now: dt.datetime) -> Entry | None:
    """A store erased by period (a key per period): whole periods go, when their last record
    is due, by shredding the period's key and removing its files."""
    periods = getattr(holder.store, "periods", None)
    category = policy.category(holder.category)
    if periods is None or category is None:
        return None
    known = [p for p in periods(now=now) if p.records]
    due = [p for p in known if p.due_at is not None and p.due_at <= now]
    later = sorted((p for p in known if p.due_at is not None and p.due_at > now),
                   key=lambda p: p.due_at)  # fmt: skip
    next_due = later[0].due_at if later else None
    words = rule_words(category.retention, policy)
    reason = (category.retention.reason or words).strip().rstrip(".")
    whole, _ = held_subjects(category=holder.category, now=now)
    if due and whole:
        reason = "the whole category is under a legal hold"
    elif due:
        listed = ", ".join(f"{p.period} ({p.records})" for p in due)
        reason += f". Due now: {listed}, each by shredding its key and removing its files"
    due_now = sum(p.records for p in due)
    return Entry(
        holder.label,
        holder.category,
        words,
        0 if whole else due_now,
        None,
        next_due,
        sum(p.records for p in later if p.due_at == next_due),
        reason,
        held=due_now if whole else 0,
    )


def plan(
    policy: Policy, holders: list[Holder], now: dt.datetime, stores: Iterable[StoreHolder] = ()
) -> list[Entry]:
    """One entry per holder and per store erased by period: how many records go now, what goes
    next and when, and why."""
    entries = [_holder_entry(h, policy, now) for h in holders]
    entries += [_store_entry(s, policy, now) for s in stores]
    return [e for e in entries if e is not None]
