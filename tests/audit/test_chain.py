"""Appending to the trail: a hash chain from the genesis hash, and no personal data in it."""

from __future__ import annotations

import itertools
import uuid

import pytest

from pledge.audit.chain import GENESIS, event_digest
from pledge.audit.models import AuditEvent
from pledge.audit.selectors import audit_events_for_subject, audit_verify
from pledge.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _recomputed(event: AuditEvent) -> str:
    return event_digest(
        occurred_at=event.occurred_at, action=event.action, category=event.category,
        count=event.count, rule=event.rule, subject=event.subject, actor=event.actor,
        detail=event.detail, prev_hash=event.prev_hash,
    )  # fmt: skip


def test_appending_builds_a_chain_from_the_genesis_hash(trail):
    # given ten events recorded one after another (the trail fixture)
    # when they are read back from the database
    events = list(AuditEvent.objects.order_by("sequence"))
    # then they are numbered 1..10, each holds its predecessor's hash, and each hash is the
    # SHA-256 of what was stored
    assert [e.sequence for e in events] == list(range(1, 11))
    assert events[0].prev_hash == GENESIS == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert all(e.hash == _recomputed(e) and len(e.hash) == 64 for e in events)
    report = audit_verify()
    assert report.ok and report.count == 10 and report.problems == ()
    assert report.head == events[-1].hash


def test_an_empty_trail_is_intact():
    report = audit_verify()
    assert report.ok and report.count == 0 and report.head == GENESIS


def test_what_the_database_gives_back_hashes_as_it_was_written(subject):
    # given detail the database may store in its own way (jsonb reorders keys, unicode)
    audit_record(
        action="backup.restored",
        detail={"z": [1, True, None, {"b": "東京", "a": 2**62}], "a": "", "é": False},
    )
    audit_record(action="vault.purpose_refused", category="user.contact.email", subject=subject)
    # when the chain is verified from the stored rows
    # then nothing reads as altered
    assert audit_verify().ok


@pytest.mark.clause("AL12")
def test_an_erasure_leaves_a_verifiable_trace_under_the_subject_id(trail, subject):
    # given a subject erased, with the request reference as the rule
    erased = audit_record(
        action="subject.erased", category="user.contact.postal", count=3,
        rule="request R-0042", subject=str(subject), actor=f"operator:{uuid.uuid4()}",
    )  # fmt: skip
    # when the trail is read for that subject
    events = list(audit_events_for_subject(subject))
    # then the erasure is there, in order, on a chain that verifies
    assert [e.sequence for e in events] == [3, 6, 9, 11]
    assert events[-1] == erased and erased.subject == subject
    assert audit_verify().ok


@pytest.mark.parametrize(
    "detail",
    [
        {"to": "kaori@example.jp"},
        {"recipients": ["ok", "KAORI@EXAMPLE.JP"]},
        {"nested": {"deeper": [{"address": "someone@mail.example.co.uk"}]}},
        {"kaori@example.jp": 1},
    ],
    ids=["value", "in-a-list", "nested", "as-a-key"],
)
def test_audit_record_refuses_an_email_address_in_detail(detail):
    # given detail holding something that looks like an email address
    # when it is recorded
    # then it is refused, and nothing is written
    with pytest.raises(ValueError, match="looks like an email address"):
        audit_record(action="subject.erased", detail=detail)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("field", ["rule", "category", "actor"])
def test_an_address_is_refused_in_every_free_text_field(field):
    with pytest.raises(ValueError, match="looks like an email address"):
        audit_record(action="subject.erased", **{field: "kaori@example.jp"})


@pytest.mark.parametrize("subject", ["kaori@example.jp", "Kaori Tanaka", 42])
def test_the_subject_must_be_a_pseudonymous_id(subject):
    with pytest.raises(ValueError, match="pseudonymous subject id"):
        audit_record(action="subject.erased", subject=subject)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"action": "Kaori asked to be forgotten"}, "dotted slug"),
        ({"action": "erased"}, "dotted slug"),
        ({"action": "subject.erased", "count": -1}, "whole number"),
        ({"action": "subject.erased", "detail": {"ratio": 0.5}}, "float"),
        ({"action": "subject.erased", "rule": "r" * 201}, "longer than 200"),
    ],
)
def test_audit_record_refuses_what_would_not_hash_or_read_back_alike(arguments, message):
    with pytest.raises(ValueError, match=message):
        audit_record(**arguments)


def test_events_for_a_subject_are_only_theirs(trail):
    other = uuid.uuid4()
    audit_record(action="subject.erased", subject=other)
    assert [e.subject for e in audit_events_for_subject(other)] == [other]
    assert audit_events_for_subject(uuid.uuid4()).count() == 0
