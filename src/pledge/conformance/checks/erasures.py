"""AL7, AL8: what the law keeps is not erased on request, nor before its minimum keep.

Every erasure writes one ``subject.erased`` audit event per category, with when the newest record
it erased was anchored. Read against the policy in force: a category that cannot be erased on
request (the payment ledger, AL8) has no such event at all; a category with a minimum keep (e-mail
kept five years, AL7) has none before that keep ended for its newest record. The conformance
run's own synthetic customer is no person and no business record, and is left out.

The audit trail is the evidence because the records are gone: what was erased can only be judged
by what was written when it was.
"""

from __future__ import annotations

import datetime as dt

from pledge.audit.models import AuditEvent
from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.results import Evidence, Verdict
from pledge.conformance.synthetic import ERASURE_REASON
from pledge.policy import Policy
from pledge.policy.calendar import deadline
from pledge.policy.schema import Category


@store_check
class ErasureWithinTheRules(StoreCheck):
    id = "stores.erasures"
    title = "Nothing the law keeps was erased on request, or before its minimum keep"
    clauses = ("AL7", "AL8")

    def promise(self, policy: Policy) -> str:
        kept = [c for c in policy.categories if not c.retention.erasable_on_request]
        minimum = [
            c for c in policy.categories
            if c.retention.erasable_on_request and not c.retention.minimum.is_zero
        ]  # fmt: skip
        parts = [f"{c.name}: {c.retention.reason or 'kept by law'}" for c in kept + minimum]
        return " ".join(parts) or "no category is kept against an erasure request"

    def verdict(self, context: StoreContext) -> Verdict:
        policy = context.policy
        events = (
            AuditEvent.objects.filter(action="subject.erased")
            .exclude(rule=ERASURE_REASON)
            .order_by("sequence")
        )
        found: list[Evidence] = []
        looked = 0
        for event in events.iterator():
            category = policy.category(event.category)
            if category is None:
                continue
            looked += 1
            problem = _against_rule(event, category, policy)
            if problem is not None:
                where = f"audit event {event.sequence} ({event.occurred_at:%Y-%m-%d %H:%M} UTC)"
                found.append(Evidence(problem, where))
        if found:
            return Verdict.broken(
                f"{plural(len(found), 'erasure')} of {looked} went against the retention rules",
                found,
            )
        return Verdict.kept(
            f"{plural(looked, 'erasure')} on record, none of records the law keeps and none "
            "before a minimum keep ended"
        )


def _against_rule(event: AuditEvent, category: Category, policy: Policy) -> str | None:
    """What the erasure did against the category's rule, or None if it kept to it."""
    rule = category.retention
    name = category.name.lower()
    if not rule.erasable_on_request:
        return (
            f"{plural(event.count, 'record')} of {name} erased on request ('{event.rule}'), "
            f"which cannot be: {rule.reason or 'a legal duty to keep them'}"
        )
    newest = event.detail.get("newest_anchor") if isinstance(event.detail, dict) else None
    if not newest:
        return None
    erasable = deadline(dt.datetime.fromisoformat(newest), rule, policy.time_zone).erasable_at
    if event.occurred_at < erasable:
        return (
            f"{plural(event.count, 'record')} of {name} erased on "
            f"{event.occurred_at:%Y-%m-%d}, before the minimum keep of {rule.minimum.words()} "
            f"ended on {erasable:%Y-%m-%d}"
        )
    return None
