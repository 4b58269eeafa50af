"""Everything the datamap's holders keep about one subject, opened for one statutory purpose.

Generic by construction: it asks ``registry.holders(policy)`` for every model that declares
personal data and each holder for the subject's rows (``Holder.rows_of``), so a feature app
built later (mail archives, logs) is in every copy the day it declares itself, with no change
here. Holders that cannot find a subject's rows (log lines by IP address, fingerprints of
sign-in attempts, external stores) are listed as such: the person is told the data exists but
cannot be linked to them.

Secrets that identify nothing to the person are described, not shown: a password hash, and the
keyed fingerprints (blind indexes) by which we find them.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import models

from pledge.datamap import registry
from pledge.datamap.registry import Holder
from pledge.policy import Policy
from pledge.policy.internal import INTERNAL_CATEGORIES, INTERNAL_PURPOSES
from pledge.policy.schema import Retention
from pledge.retention.plan import rule_words
from pledge.rights.reveal import Opener
from pledge.vault.fields import ERASED, EncryptedField

HASH_SHOWN = "a one-way hash of your password (not shown: it cannot be turned back into it)"
AT_ONCE = {
    "account-closed": "the account is closed",
    "collected": "it is collected",
    "last-activity": "it is last used",
    "order-completed": "the order is completed",
    "consent-withdrawn": "consent is withdrawn",
}
FINGERPRINT = "a keyed fingerprint (not shown: it means nothing without our key)"


@dataclass(frozen=True)
class HolderRecords:
    holder: str
    description: str
    fields: list[tuple[str, str]]  # (key in each record, label for people)
    records: list[dict[str, Any]]


@dataclass(frozen=True)
class CategoryRecords:
    id: str
    name: str
    purposes: list[str]
    retention: str
    holders: list[HolderRecords] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(h.records) for h in self.holders)


@dataclass(frozen=True)
class Unlinked:
    id: str
    name: str
    what: list[str]


@dataclass(frozen=True)
class Collected:
    subject_id: uuid.UUID
    purpose: str
    held: list[CategoryRecords]
    unlinked: list[Unlinked]
    not_held: list[tuple[str, str]]

    @property
    def count(self) -> int:
        return sum(c.count for c in self.held)


def _category_order() -> list[str]:
    policy = settings.POLICY
    return [c.id for c in policy.categories] + [c.id for c in INTERNAL_CATEGORIES]


def _retention_words(rule: Retention, policy: Policy) -> str:
    """How long, in a sentence: the retention plan's words, or for data kept exactly as long
    as what it hangs on ("0d" after account closed) the plain version of that."""
    if rule.maximum is not None and rule.maximum.is_zero and rule.schedule.grace.is_zero:
        words = f"Deleted as soon as {AT_ONCE.get(rule.anchor.value, rule.anchor.value)}"
    else:
        words = rule_words(rule, policy).capitalize()
    return words + (f". {rule.reason}" if rule.reason else ".")


def _describe(category_id: str) -> tuple[str, list[str], str]:
    policy = settings.POLICY
    category = policy.category(category_id)
    if category is None:
        return category_id, [], ""
    purposes = []
    for purpose_id in category.purposes:
        purpose = policy.purpose(purpose_id) or next(
            (p for p in INTERNAL_PURPOSES if p.id == purpose_id), None
        )
        purposes.append(purpose.description if purpose else purpose_id)
    return category.name, purposes, _retention_words(category.retention, policy)


def _plain(value: Any) -> Any:
    """A database value as JSON can hold it."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return {"bytes": len(data), "base64": base64.b64encode(data).decode("ascii")}
    return value


Shown = Callable[[Any, Any], Any]  # (stored value, row) -> what the person is shown


def _shown(column: models.Field, opener: Opener) -> Shown | None:
    """How one column's values are shown, decided once per column rather than per cell (a
    customer with 10,000 orders has some 200,000 cells); None: exactly as stored."""
    if isinstance(column, EncryptedField):

        def sealed(value: Any, row: Any) -> Any:
            if value is None:
                return None
            opened = opener.open(column, row, value)
            return "[erased]" if opened is ERASED else _plain(opened)

        return sealed
    if column.name == "password" or column.name.endswith("_index"):
        words = HASH_SHOWN if column.name == "password" else FINGERPRINT
        return lambda value, row: None if value is None else words
    kind = column.target_field if column.is_relation else column  # type: ignore[attr-defined]
    if isinstance(kind, models.DateTimeField | models.DateField):
        return lambda value, row: None if value is None else value.isoformat()
    if isinstance(kind, models.DecimalField | models.UUIDField):
        return lambda value, row: None if value is None else str(value)
    if isinstance(kind, models.CharField | models.TextField | models.IntegerField
                  | models.BooleanField | models.JSONField):  # fmt: skip
        return None
    return lambda value, row: _plain(value)


def holder_records(holder: Holder, subject_id: uuid.UUID, opener: Opener) -> HolderRecords:
    """One holder's rows of the subject, every column, sealed ones opened.

    The column that links a row to the subject is left out: it holds their own id, which the
    copy states once. Rows are read as tuples; for a sealed field, a small stand-in carries
    what its ciphertext is bound to (model, primary key, the key's subject or period), so no
    model instance is built per row.
    """
    model = holder.model
    every = list(model._meta.concrete_fields)
    names = [c.attname for c in every]
    columns = [c for c in every if c.attname != holder.subject]
    cells = [(c.name, names.index(c.attname), _shown(c, opener)) for c in columns]
    sealed = [c for c in columns if isinstance(c, EncryptedField)]
    # What a sealed field reads from its row: the subject attribute, or anything for a period.
    needed = {c.subject_attr for c in sealed}
    bound = names if None in needed else [n for n in names if n in needed]
    at = {n: names.index(n) for n in bound}
    pk_at = names.index(model._meta.pk.attname)
    records = []
    for values in holder.rows_of(subject_id).values_list(*names).iterator(chunk_size=2000):
        row = None
        if sealed:
            row = SimpleNamespace(_meta=model._meta, pk=values[pk_at])
            row.__dict__.update((n, values[i]) for n, i in at.items())
        records.append(
            {name: values[i] if show is None else show(values[i], row) for name, i, show in cells}
        )
    return HolderRecords(
        holder=holder.label,
        description=holder.description,
        fields=[(c.name, str(c.verbose_name)) for c in columns],
        records=records,
    )


def subject_collect(
    *, subject_id: uuid.UUID, purpose: str, categories: Iterable[str] | None = None
) -> Collected:
    """What every holder keeps about ``subject_id`` (optionally only some categories)."""
    policy = settings.POLICY
    linked: dict[str, list[Holder]] = defaultdict(list)
    unlinked: dict[str, list[str]] = defaultdict(list)
    for holder in registry.holders(policy):
        category = holder.category_in(policy)
        if holder.subject is None:
            unlinked[category].append(holder.description or holder.label)
        else:
            linked[category].append(holder)
    for store in registry.store_holders():
        unlinked[store.category].append(store.description or store.label)
    logs = policy.category(policy.web_logs.category or "") if policy.web_logs.keep else None
    if logs is not None and logs.id not in unlinked:
        # Kept by IP address and time by design, whether or not a store has declared itself
        # yet: never "not held", which would be untrue.
        unlinked[logs.id].append(", ".join(logs.fields))
    order = _category_order()
    present = set(order) | set(linked) | set(unlinked)
    wanted = present if categories is None else set(categories)
    declared = {c.id for c in policy.categories}
    opener = Opener(purpose=purpose)
    held, gone, not_held = [], [], []
    for category in sorted(wanted, key=lambda c: (order.index(c) if c in order else 999, c)):
        name, purposes, retention = _describe(category)
        found = [holder_records(h, subject_id, opener) for h in linked.get(category, [])]
        if any(h.records for h in found):
            held.append(CategoryRecords(category, name, purposes, retention, found))
        if category in unlinked:
            gone.append(Unlinked(category, name, unlinked[category]))
        elif category in declared and not any(h.records for h in found):
            not_held.append((category, name))
    return Collected(subject_id, purpose, held, gone, not_held)
