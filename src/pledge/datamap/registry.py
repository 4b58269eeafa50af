"""Declarations of personal data, one per model or external store.

A feature app declares, in its ``privacy.py``, every model it owns: either a ``Holder`` (what
policy category it holds, how to find a subject's rows, which timestamp the retention period
counts from, and how erasure works) or ``NoPersonalData`` with the reason. The core reads these
declarations; it never imports a feature app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from django.db import models

if TYPE_CHECKING:
    import datetime as dt
    import uuid

    from pledge.policy import Policy


class Strategy(StrEnum):
    """How a holder's records of one subject are erased."""

    SHRED = "shred"  # destroy the subject's key for the category, then delete the rows
    DELETE_ROWS = "delete-rows"  # plain rows with no ciphertext: delete them
    ANONYMISE = "anonymise"  # keep the row (business columns), clear the personal fields
    KEEP_RESTRICTED = "keep-restricted"  # must be kept; erasure is refused with the rule


class ExternalStore(Protocol):
    """Personal data outside the database (such as encrypted Parquet partitions).

    A store erased by period may also offer ``periods(*, now) -> list[PeriodDue]`` (what the
    retention plan shows) and ``expire(*, now) -> int`` (what the sweep runs: everything due,
    returning how many records went).
    """

    name: str

    def count(self) -> int: ...


@dataclass(frozen=True)
class PeriodDue:
    """A period of an external store, erased as one (one key): its records and due date."""

    period: str
    records: int
    due_at: dt.datetime | None


@dataclass(frozen=True)
class Holder:
    model: type[models.Model]
    category: str | Callable[[Policy], str]
    strategy: Strategy
    subject: str | None = field(
        default=None,
        metadata={"doc": "ORM path from the model to the subject id, or None if not linkable."},
    )
    anchor: str | None = field(
        default=None, metadata={"doc": "Model field holding the retention anchor timestamp."}
    )
    personal_fields: tuple[str, ...] = ()
    description: str = ""
    when: Callable[[Policy], bool] | None = field(
        default=None,
        metadata={"doc": "The feature exists only under policies where this is true."},
    )
    before_erase: Callable[[], object] | None = field(
        default=None,
        metadata={
            "doc": "Run before any of the holder's rows are erased, by the sweep or the erasure "
            "service: derives what the policy keeps after them (statistics) while they exist."
        },
    )

    def category_in(self, policy: Policy) -> str:
        return self.category(policy) if callable(self.category) else self.category

    def active_in(self, policy: Policy) -> bool:
        return self.when is None or self.when(policy)

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows_of(self, subject_id: uuid.UUID) -> models.QuerySet[Any]:
        if self.subject is None:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(**{self.subject: subject_id})

    def anchor_of(self, row: models.Model) -> dt.datetime | None:
        value: Any = row
        for part in (self.anchor or "").split("__") if self.anchor else ():
            value = getattr(value, part, None)
        return value if self.anchor else None


@dataclass(frozen=True)
class StoreHolder:
    """An external store holding one category, erased per period rather than per subject."""

    store: ExternalStore
    category: str
    description: str = ""

    @property
    def label(self) -> str:
        return f"store:{self.store.name}"


@dataclass(frozen=True)
class NoPersonalData:
    model: type[models.Model]
    reason: str

    @property
    def label(self) -> str:
        return self.model._meta.label


Declaration = Holder | StoreHolder | NoPersonalData

_declarations: dict[str, Declaration] = {}


def declare(*declarations: Declaration) -> None:
    for declaration in declarations:
        if declaration.label in _declarations:
            raise ValueError(f"{declaration.label} is declared to the datamap twice")
        _declarations[declaration.label] = declaration


def declarations() -> Iterable[Declaration]:
    return _declarations.values()


def declaration_for(model: type[models.Model]) -> Declaration | None:
    return _declarations.get(model._meta.label)


def holders(policy: Policy | None = None) -> Iterator[Holder]:
    """Every holder, or only those whose feature exists under ``policy``."""
    return (
        d
        for d in _declarations.values()
        if isinstance(d, Holder) and (policy is None or d.active_in(policy))
    )


def store_holders() -> Iterator[StoreHolder]:
    return (d for d in _declarations.values() if isinstance(d, StoreHolder))
