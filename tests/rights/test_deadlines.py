"""The statutory month and the state of a request, as pure arithmetic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pledge.policy import load
from pledge.rights.deadlines import due_at, state_of

POLICIES = Path(__file__).resolve().parents[2] / "policies"
JC = load(POLICIES / "japan-centre.yaml")
ALPS = load(POLICIES / "alps.yaml")
T = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("policy", "verified", "due"),
    [
        (JC, T, dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)),
        # a month from 31 January ends with February: at the midnight ending its last day
        (JC, dt.datetime(2027, 1, 31, 12, tzinfo=dt.UTC), dt.datetime(2027, 3, 1, tzinfo=dt.UTC)),
        (JC, dt.datetime(2028, 1, 31, 12, tzinfo=dt.UTC), dt.datetime(2028, 3, 1, tzinfo=dt.UTC)),
        # 31 January 20:00 UTC is already 1 February in Tokyo: due 1 March 05:00 there
        (ALPS, dt.datetime(2027, 1, 31, 20, tzinfo=dt.UTC),
         dt.datetime(2027, 2, 28, 20, tzinfo=dt.UTC)),
    ],
    ids=["a-month", "end-of-february", "leap-year", "tokyo-calendar"],
)  # fmt: skip
def test_the_answer_is_due_one_month_after_verified_receipt(policy, verified, due):
    assert due_at(policy, verified) == due


def test_states():
    later = T + dt.timedelta(days=40)
    due = T + dt.timedelta(days=31)
    assert state_of(status="open", due=due, link_expires=None, now=T) == "open"
    assert state_of(status="open", due=due, link_expires=None, now=later) == "overdue"
    assert state_of(status="done", due=due, link_expires=None, now=later) == "done"
    assert state_of(status="unverified", due=None, link_expires=later, now=T) == (
        "awaiting verification"
    )
    assert state_of(status="unverified", due=None, link_expires=T, now=later) == "lapsed"
