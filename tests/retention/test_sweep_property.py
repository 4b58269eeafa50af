"""Property: with a sweep every day, no record goes before the calendar says it may, and none
stays more than a day after the due date the calendar computes for it.

Records of four holders (ledger entries, dossiers, failed sign-ins, sessions) get random
anchors over several years, under either policy, and the two subject categories get rules
drawn from every rule both policies have (alps's seven years after the fiscal year's end with
its grace window, on-request correspondence, two hours, one day, five years...) and a few made
up to stress the calendar (a minimum keep longer than the maximum, other fiscal-year ends).
Every record's due date is what ``pledge.policy.calendar.deadline`` says for it.

The sweep runs daily at the policy's hour in the controller's zone. Sweeping every day of
eight years would take hours per example, so it runs on the days that matter: for each record,
the last daily sweep before its due date (where a sweep that deleted early, by a day or by a
second, would take it; a sweep deletes everything anchored up to one cutoff, and the cutoff
only grows with time, so a record not taken there was not taken on any earlier day either) and
the first daily sweep at or after it (where it must go), plus random other days. After each
sweep, every record is checked: gone if and only if its due date has passed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pledge.accounts.models import SignInAttempt
from pledge.datamap import registry
from pledge.policy import Policy, load
from pledge.policy.calendar import deadline
from pledge.policy.schema import Retention
from pledge.retention.sweep import sweep_run
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_create
from tests.vaultcases.models import Dossier, LedgerEntry

pytestmark = pytest.mark.django_db

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
POLICIES = {name: load(POLICIES_DIR / f"{name}.yaml") for name in ("alps", "japan-centre")}
START = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
SPAN_DAYS = 8 * 365  # anchors over eight years
PURCHASES, CORRESPONDENCE = "user.behavior.purchase_history", "user.correspondence"
MODELS = {"ledger": LedgerEntry, "dossier": Dossier, "attempt": SignInAttempt, "session": Session}


def _rule(**fields: object) -> Retention:
    return Retention.model_validate({"anchor": "collected", **fields})


# Every rule of both policies, then made-up ones the calendar must also get right.
POLICY_RULES = {
    str(c.retention.model_dump(exclude={"reason", "not_stated"})): c.retention
    for policy in POLICIES.values()
    for c in policy.categories
}
RULES = [
    *POLICY_RULES.values(),
    _rule(minimum="3y", maximum="1y"),  # the minimum keep decides
    _rule(
        minimum="400d", maximum="1y", schedule={"after_fiscal_year_end": "12-31", "grace": "10d"}
    ),
    _rule(maximum="18 months", schedule={"after_fiscal_year_end": "06-30"}),
    _rule(minimum="2y", on_request=True),
    _rule(maximum="1m 1d 3h"),
]


def _with_rules(policy: Policy, purchases: Retention, correspondence: Retention) -> Policy:
    """The policy with these rules for its two subject categories (the holders under test)."""
    rules = {PURCHASES: purchases, CORRESPONDENCE: correspondence}
    categories = [
        c.model_copy(update={"retention": rules[c.id]}) if c.id in rules else c
        for c in policy.categories
    ]
    return policy.model_copy(update={"categories": categories})


# Each policy's daily sweep, as a local hour in its zone.
SWEEP_TIMES = sorted({(p.time_zone, p.sweep_hour) for p in POLICIES.values()})


@st.composite
def anchors(draw: st.DrawFn) -> dt.datetime:
    """Anywhere in the span; or within two seconds of a sweep's instant less 0, 2, 24 or 48
    hours (the keeps in hours and days), where a sweep early or late by a hair would show."""
    day = START + dt.timedelta(days=draw(st.integers(0, SPAN_DAYS)))
    if draw(st.booleans()):
        return day + dt.timedelta(seconds=draw(st.integers(0, 86_399)))
    zone, hour = draw(st.sampled_from(SWEEP_TIMES))
    sweep = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))
    before = dt.timedelta(hours=draw(st.sampled_from([0, 2, 24, 48])))
    jitter = dt.timedelta(microseconds=draw(st.integers(-2_000_000, 2_000_000)))
    return sweep.astimezone(dt.UTC) - before + jitter


RECORDS = st.lists(st.tuples(st.sampled_from(sorted(MODELS)), anchors()), min_size=1, max_size=8)


def _create(kind: str, anchor: dt.datetime, number: int, subjects: list) -> object:
    subject = subjects[number % len(subjects)]
    if kind == "ledger":
        return LedgerEntry.objects.create(
            subject=subject, completed_at=anchor, amount=Decimal("9.00"), payer="Kaori Sato"
        )
    if kind == "dossier":
        return Dossier.objects.create(subject=subject, received_at=anchor, body="A letter.")
    if kind == "attempt":
        return SignInAttempt.objects.create(
            address_index=f"a{number}", network_index="n", at=anchor
        )
    return Session.objects.create(
        session_key=f"k{number:039d}", session_data="e30", expire_date=anchor
    )


def _due(policy: Policy, kind: str, anchor: dt.datetime) -> dt.datetime | None:
    """The calendar's due date for a record of this holder (None: never swept)."""
    holder = registry.declaration_for(MODELS[kind])
    assert isinstance(holder, registry.Holder)
    category = policy.category(holder.category_in(policy))
    assert category is not None
    return deadline(anchor, category.retention, ZoneInfo(policy.time_zone)).due_at


def _daily(policy: Policy) -> Iterator[dt.datetime]:
    """The daily sweeps: the policy's hour, every local day, from before the first anchor."""
    zone = ZoneInfo(policy.time_zone)
    day = (START - dt.timedelta(days=2)).astimezone(zone).date()
    while True:
        yield dt.datetime(day.year, day.month, day.day, policy.sweep_hour, tzinfo=zone)
        day += dt.timedelta(days=1)


def _sweeps_that_matter(
    policy: Policy, dues: list[dt.datetime | None], extra: list[int], horizon: dt.datetime
) -> list[dt.datetime]:
    """For each due date, the last daily sweep before it and the first at or after it; and
    the daily sweeps ``extra`` days after the first one, up to the horizon."""
    wanted = sorted(d for d in dues if d is not None and d <= horizon)
    chosen: set[dt.datetime] = set()
    daily = _daily(policy)
    previous, current = None, next(daily)
    first = current
    for due in wanted:
        while current < due:
            previous, current = current, next(daily)
        chosen.update(s for s in (previous, current) if s is not None)
    chosen.update(
        first.astimezone(ZoneInfo(policy.time_zone)) + dt.timedelta(days=n)
        for n in extra
        if first + dt.timedelta(days=n) <= horizon
    )
    return sorted(chosen)


@contextlib.contextmanager
def _undone() -> Iterator[None]:
    """Each example's records, keys and audit events are rolled back afterwards."""
    with transaction.atomic(using="default"), transaction.atomic(using="keys"):
        yield
        transaction.set_rollback(True, using="keys")
        transaction.set_rollback(True, using="default")


@pytest.mark.clause("AL6")
@pytest.mark.clause("AL7")
@pytest.mark.clause("AL11")
@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    policy_name=st.sampled_from(sorted(POLICIES)),
    purchases=st.sampled_from(RULES),
    correspondence=st.sampled_from(RULES),
    records=RECORDS,
    extra=st.lists(st.integers(0, SPAN_DAYS + 12 * 365), max_size=3),
)
def test_with_daily_sweeps_nothing_goes_early_and_nothing_stays_a_day_late(
    settings, policy_name, purchases, correspondence, records, extra
):
    # Given records of four holders with random anchors, under a policy whose subject
    # categories follow the drawn rules, and the due date the calendar gives each
    policy = _with_rules(POLICIES[policy_name], purchases, correspondence)
    settings.POLICY = policy
    horizon = START + dt.timedelta(days=SPAN_DAYS + 12 * 365)  # past every finite keep here
    with _undone():
        subjects = [subject_create(kind=SubjectKind.CUSTOMER) for _ in range(2)]
        made = [
            (MODELS[kind], _create(kind, anchor, n, subjects).pk, _due(policy, kind, anchor))
            for n, (kind, anchor) in enumerate(records)
        ]
        sweeps = _sweeps_that_matter(policy, [due for _, _, due in made], extra, horizon)

        # When the daily sweep runs on every day that matters, in order
        for now in sweeps:
            sweep_run(now=now)

            # Then after each, a record is gone exactly when its due date has passed: never
            # before (not by a day, not by a second), and never still there at the first
            # daily sweep after it
            for model, pk, due in made:
                exists = model.objects.filter(pk=pk).exists()
                assert exists == (due is None or due > now), (
                    f"{model.__name__} due {due}, swept at {now}: "
                    + ("still there" if exists else "gone early")
                )


def test_the_sweeps_that_matter_bracket_every_due_date():
    # Given due dates, including one exactly at a sweep's instant
    policy = POLICIES["alps"]
    daily = list(itertools.islice(_daily(policy), 40))
    dues = [daily[10], daily[20] + dt.timedelta(seconds=1), None]

    # When the sweeps that matter are chosen
    sweeps = _sweeps_that_matter(policy, dues, [], daily[-1])

    # Then each due date gets the last daily sweep before it and the first at or after it
    assert sweeps == [daily[9], daily[10], daily[20], daily[21]]
