"""``pledge audit verify``: what the operator sees, and the exit status scripts rely on."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pledge.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_intact_chain_says_so_with_its_length_and_head(trail):
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == ["audit chain intact: 10 events", f"head: {trail[-1].hash}"]


def test_a_broken_chain_prints_each_problem_and_exits_1(trail, intruder):
    table = AuditEvent._meta.db_table
    with intruder() as sql:
        sql.execute(f"UPDATE {table} SET action = 'subject.exported' WHERE sequence = 2")
        sql.execute(f"DELETE FROM {table} WHERE sequence = 8")
    out = StringIO()
    with pytest.raises(CommandError, match="2 problems in 9 events") as raised:
        call_command("audit", "verify", stdout=out)
    assert raised.value.returncode == 1
    assert out.getvalue().splitlines() == [
        "event 2 was altered: it no longer matches its hash",
        "event 8 is missing (between 7 and 9)",
    ]


def test_the_command_needs_an_action():
    with pytest.raises(CommandError, match="ACTION"):
        call_command("audit")
