"""The erasure service: one subject's data erased everywhere the policy lets it go.

Rights requests, account closing and retention all call ``subject_erase``; none reimplements
it. For each category the subject has data in, the outcome is one of:

- erased (how many records), by each holder's strategy, keys shredded first;
- kept until a date under a rule: the category's minimum keep has not passed, a legal duty
  keeps it whatever the person asks, or a legal hold applies;
- not held;
- held only unlinked to any person (log lines by IP address), so nothing can be found for them.

When every category the subject had is erased, the subject's blind-index entry goes too, so
their address no longer finds them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.datamap import registry
from pledge.datamap.anchors import anchors_of
from pledge.datamap.registry import Holder, Strategy
from pledge.policy.calendar import deadline
from pledge.retention.holds import hold_among, holds_covering
from pledge.vault import keyring
from pledge.vault.models import Subject
from pledge.vault.services import subject_shred

Status = Literal["erased", "kept", "not-held", "unlinked"]


@dataclass(frozen=True, slots=True)
class Outcome:
    category: str
    status: Status
    count: int = 0
    until: dt.datetime | None = None
    rule: str = ""

    def words(self, zone: str | None = None) -> str:
        if self.status == "erased":
            return f"erased ({self.count} record{'s' if self.count != 1 else ''})"
        if self.status == "not-held":
            return "not held"
        if self.status == "unlinked":
            return "held only in a form that cannot be linked to a person (such as by IP address)"
        when = "until further notice"
        if self.until is not None:
            local = self.until.astimezone(dt.UTC if zone is None else _zone(zone))
            when = f"until {local:%-d %B %Y}"
        return f"kept {when} under {self.rule}"


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _holders_by_category() -> tuple[dict[str, list[Holder]], set[str]]:
    """Holders that can find a subject's rows, by category; and categories held unlinked."""
    linked: dict[str, list[Holder]] = defaultdict(list)
    unlinked = {s.category for s in registry.store_holders()}
    for holder in registry.holders(settings.POLICY):
        category = holder.category_in(settings.POLICY)
        if holder.subject is not None:
            linked[category].append(holder)
        else:
            unlinked.add(category)
    return linked, unlinked - set(linked)


def _kept(
    category: str,
    rows: list[tuple[Holder, list[dt.datetime | None]]],
    now: dt.datetime,
    *,
    synthetic: bool = False,
) -> Outcome | None:
    """Why a category cannot be erased now, or None when it can."""
    if synthetic:
        # A synthetic subject (Subject.synthetic, made by a conformance run) is no person and
        # its records are no business's records: no minimum keep or legal duty applies to
        # them, so the run can leave nothing behind. Legal holds are checked before this.
        return None
    policy = settings.POLICY
    declared = policy.category(category)
    if declared is None:
        return None
    rule = declared.retention
    deadlines = [
        deadline(anchor or now, rule, policy.time_zone) for _, anchors in rows for anchor in anchors
    ]
    restricted = [h for h, records in rows if records and h.strategy is Strategy.KEEP_RESTRICTED]
    if not rule.erasable_on_request or restricted:
        dues = [d.due_at for d in deadlines if d.due_at is not None]
        reason = rule.reason or "a legal duty to keep these records"
        return Outcome(
            category,
            "kept",
            sum(len(r) for _, r in rows),
            max(dues, default=None),
            f"the retention rule for {declared.name.lower()}: {reason}",
        )
    erasable = max((d.erasable_at for d in deadlines), default=now)
    if now < erasable:
        return Outcome(
            category,
            "kept",
            sum(len(r) for _, r in rows),
            erasable,
            f"the minimum keep of {rule.minimum.words()} for {declared.name.lower()}"
            + (f" ({rule.reason})" if rule.reason else ""),
        )
    return None


def _apply(holder: Holder, subject_id: uuid.UUID) -> int:
    rows = holder.rows_of(subject_id)
    if holder.strategy in (Strategy.SHRED, Strategy.DELETE_ROWS):
        count, _ = rows.delete()
        return count
    if holder.strategy is Strategy.ANONYMISE:
        return rows.update(**dict.fromkeys(holder.personal_fields))
    return 0


def subject_erase(
    *,
    subject_id: uuid.UUID,
    reason: str,
    categories: Iterable[str] | None = None,
    now: dt.datetime | None = None,
    actor: str = "system",
) -> list[Outcome]:
    """Erase what the policy lets go of one subject; say, per category, what happened."""
    now = now or timezone.now()
    by_category, unlinked = _holders_by_category()
    keyed = {ref.category for ref in keyring.subject_refs(subject_id)}
    every = {c.id for c in settings.POLICY.categories} | set(by_category) | keyed
    wanted = set(categories) if categories is not None else every
    wanted.discard("subject.identity")  # goes last, with the blind index, when all else has
    synthetic = Subject.objects.filter(pk=subject_id, synthetic=True).exists()
    holds = holds_covering(subject=subject_id, now=now)
    decided: dict[str, Outcome] = {}
    # With the holders that have rows, and the newest of their anchors.
    erasable: list[tuple[str, list[Holder], dt.datetime | None]] = []
    for category in sorted(wanted):
        holders = by_category.get(category, [])
        rows = [(h, anchors_of(h, subject_id)) for h in holders]
        held = sum(len(r) for _, r in rows)
        if not held and category not in keyed:
            decided[category] = Outcome(
                category, "unlinked" if category in unlinked else "not-held"
            )
            continue
        hold = hold_among(holds, category=category)
        if hold is not None:
            decided[category] = Outcome(
                category, "kept", held, hold.expires_at, f"a legal hold: {hold.reason}"
            )
            continue
        kept = _kept(category, rows, now, synthetic=synthetic)
        if kept is not None:
            decided[category] = kept
            continue
        for holder, anchors in rows:
            if anchors and holder.before_erase is not None:
                holder.before_erase()
        newest = max((a for _, anchors in rows for a in anchors if a is not None), default=None)
        erasable.append((category, [holder for holder, anchors in rows if anchors], newest))
    # Every key first, in one durable transaction of the key database: from then on the data
    # is unreadable, and a crash before the rows go leaves only ciphertext for a rerun.
    keyring.shred(
        [keyring.KeyRef(category=category, subject=subject_id) for category, _, _ in erasable],
        reason=f"erasure: {reason}",
        journal_all=True,
    )
    with transaction.atomic():
        for category, holders, newest in erasable:
            count = sum(_apply(holder, subject_id) for holder in holders)
            audit_record(
                action="subject.erased",
                category=category,
                count=count,
                rule=reason,
                subject=subject_id,
                actor=actor,
                # When the newest record erased was anchored: whoever audits the erasure can
                # tell it from one the category's minimum keep forbade (conformance does).
                detail={"newest_anchor": newest.isoformat()} if newest else {},
            )
            decided[category] = Outcome(category, "erased", count)
    outcomes = [decided[category] for category in sorted(decided)]
    if categories is None and all(o.status != "kept" for o in outcomes):
        subject_shred(subject_id=subject_id, reason=f"erasure: {reason}")
    return outcomes
