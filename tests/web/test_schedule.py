"""The server's one scheduler: a daily sweep at the policy's hour, a master key per window."""

from __future__ import annotations

import datetime as dt

import pytest

from pledge.retention.models import SweepRun
from pledge.vault import master
from pledge.web.schedule import run_due_jobs

pytestmark = pytest.mark.django_db

LONDON_SUMMER = dt.timezone(dt.timedelta(hours=1))


def test_the_sweep_runs_once_a_day_from_the_policy_hour_in_the_controllers_zone():
    # japan-centre: sweep_hour 3, Europe/London (BST in July)
    run_due_jobs(dt.datetime(2026, 7, 1, 2, 50, tzinfo=LONDON_SUMMER))
    assert SweepRun.objects.count() == 0
    run_due_jobs(dt.datetime(2026, 7, 1, 3, 0, tzinfo=LONDON_SUMMER))
    run_due_jobs(dt.datetime(2026, 7, 1, 3, 10, tzinfo=LONDON_SUMMER))
    run_due_jobs(dt.datetime(2026, 7, 1, 23, 0, tzinfo=LONDON_SUMMER))
    assert SweepRun.objects.count() == 1
    run_due_jobs(dt.datetime(2026, 7, 2, 3, 0, tzinfo=LONDON_SUMMER))
    assert SweepRun.objects.filter(trigger="scheduler").count() == 2


@pytest.mark.clause("AL13")
def test_the_master_key_is_replaced_once_per_erasure_window():
    first = master.current(refresh=True)
    start = master.last_rotation().rotated_at
    run_due_jobs(start + dt.timedelta(days=29))
    assert master.current(refresh=True).id == first.id
    run_due_jobs(start + dt.timedelta(days=30, minutes=1))
    assert master.current(refresh=True).id != first.id
