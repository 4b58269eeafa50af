"""``audit_verify`` against someone who edits the table directly, triggers dropped.

Each test plays the intruder on a trail of ten events and checks that verification names the
right event, and only it. The intruder knows the hash function: forged events carry correct
hashes, so only the chain's links can give them away.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.backends.utils import CursorWrapper

from pledge.audit.chain import event_digest
from pledge.audit.models import AuditEvent
from pledge.audit.selectors import audit_verify

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def _problems() -> list[tuple[str, str]]:
    report = audit_verify()
    assert not report.ok
    return [(p.kind, p.message) for p in report.problems]


def _forge(*, sequence: int, after: AuditEvent) -> AuditEvent:
    """An event with a correct hash, chained onto ``after``, as an intruder would make it."""
    fields = {
        "occurred_at": after.occurred_at + dt.timedelta(seconds=1),
        "action": "subject.erased", "category": "user.contact.email", "count": 1,
        "rule": "request R-9999", "subject": None, "actor": "system", "detail": {},
        "prev_hash": after.hash,
    }  # fmt: skip
    return AuditEvent.objects.create(sequence=sequence, hash=event_digest(**fields), **fields)


def test_verify_names_an_altered_event(trail, intruder):
    # given the intruder lowers the count of records erased by event 4
    with intruder() as sql:
        sql.execute(f"UPDATE {TABLE} SET count = 0 WHERE sequence = 4")
    # when the chain is verified
    # then event 4, and only it, is reported as altered
    assert _problems() == [("altered", "event 4 was altered: it no longer matches its hash")]


def test_verify_sees_an_event_rewritten_with_a_fresh_hash(trail, intruder):
    # given the intruder rewrites event 4 and gives it a hash that matches the new content
    event = AuditEvent.objects.get(sequence=4)
    fields = {f: getattr(event, f) for f in ("occurred_at", "action", "category", "count",
              "rule", "subject", "actor", "detail", "prev_hash")}  # fmt: skip
    fields["count"] = 0
    with intruder() as sql:
        sql.execute(
            f"UPDATE {TABLE} SET count = 0, hash = %s WHERE sequence = 4",
            [event_digest(**fields)],
        )
    # then event 5 no longer follows it, and the report says so by number
    assert _problems() == [
        (
            "missing",
            "event 5 does not follow event 4 in the chain: an event between them is missing, "
            "or event 4 was rewritten",
        )
    ]


@pytest.mark.clause("AL12")
def test_verify_names_a_deleted_event(trail, intruder):
    # given the intruder deletes the record of erasure number 6
    with intruder() as sql:
        sql.execute(f"DELETE FROM {TABLE} WHERE sequence = 6")
    # when the chain is verified
    # then the gap is named, with its neighbours
    assert _problems() == [("missing", "event 6 is missing (between 5 and 7)")]


@pytest.mark.clause("AL12")
def test_verify_sees_a_deletion_hidden_by_renumbering(trail, intruder):
    # given event 6 deleted and every later event moved down to close the gap
    with intruder() as sql:
        sql.execute(f"DELETE FROM {TABLE} WHERE sequence = 6")
        sql.execute(f"UPDATE {TABLE} SET sequence = sequence + 1000 WHERE sequence > 6")
        sql.execute(f"UPDATE {TABLE} SET sequence = sequence - 1001 WHERE sequence > 1000")
    # then the break is still found where the deleted event was
    assert _problems() == [
        (
            "missing",
            "event 6 does not follow event 5 in the chain: an event between them is missing, "
            "or event 5 was rewritten",
        )
    ]


def test_verify_names_a_forged_event_inserted_at_the_end(trail):
    # given a forged event appended at 11 but chained onto event 5, to pass as older
    # (inserting needs no trigger dropped: the table only refuses UPDATE and DELETE)
    _forge(sequence=11, after=trail[4])
    # then it is named as inserted, with the event it pretends to follow
    assert _problems() == [
        (
            "inserted",
            "event 11 was inserted: it claims to follow event 5, which event 6 also follows",
        )
    ]


def test_verify_names_a_forged_event_slipped_into_the_middle(trail, intruder):
    # given events 6..10 moved up by one, and a forged event put in at 6 after event 5
    with intruder() as sql:
        sql.execute(f"UPDATE {TABLE} SET sequence = sequence + 1000 WHERE sequence > 5")
        sql.execute(f"UPDATE {TABLE} SET sequence = sequence - 999 WHERE sequence > 1000")
    _forge(sequence=6, after=trail[4])
    # then the forged event, not the genuine one after it, is named
    assert _problems() == [
        (
            "inserted",
            "event 6 was inserted: it claims to follow event 5, which event 7 also follows",
        )
    ]


def _swap(sql: CursorWrapper, a: int, b: int) -> None:
    sql.execute(f"UPDATE {TABLE} SET sequence = 1000000 WHERE sequence = %s", [a])
    sql.execute(f"UPDATE {TABLE} SET sequence = %s WHERE sequence = %s", [a, b])
    sql.execute(f"UPDATE {TABLE} SET sequence = %s WHERE sequence = 1000000", [b])


def test_verify_names_two_events_swapped(trail, intruder):
    # given events 4 and 5 given each other's sequence numbers
    with intruder() as sql:
        _swap(sql, 4, 5)
    # then the reordering is reported once, with the chain's own order
    assert _problems() == [
        ("reordered", "events 4 and 5 are out of order: the chain runs 3 → 5 → 4 → 6")
    ]


def test_verify_names_two_distant_events_swapped(trail, intruder):
    with intruder() as sql:
        _swap(sql, 3, 7)
    assert _problems() == [
        ("reordered", "events 3 and 7 are out of order: the chain runs 2 → 7 → 4-6 → 3 → 8")
    ]


def test_the_triggers_are_back_after_the_intruder_leaves(trail, intruder):
    from django.db import IntegrityError, transaction

    with intruder() as sql:
        sql.execute(f"UPDATE {TABLE} SET count = 5 WHERE sequence = 1")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=2).update(count=5)


def test_cutting_off_the_newest_events_shows_only_in_the_head(trail, intruder):
    # given the head reported by a verification, written down
    head = audit_verify().head
    # when the newest event is deleted
    with intruder() as sql:
        sql.execute(f"DELETE FROM {TABLE} WHERE sequence = 10")
    # then the shortened chain is intact in itself (no hash chain can see its own end cut
    # off), but its head is no longer the one written down
    report = audit_verify()
    assert report.ok and report.count == 9
    assert report.head != head and report.head == trail[8].hash
