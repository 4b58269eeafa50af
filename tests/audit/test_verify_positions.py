"""The chain analysis on its own, without a database: every kind of tampering, at every place.

Breaks at the very start or end of a log are where an analysis like this tends to go wrong, so
each kind is tried at the first, a middle and the last events of a twelve-event log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import pytest

from pledge.audit.chain import GENESIS, event_digest
from pledge.audit.verify import Row, verify

N = 12
T0 = dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC)


def _log(n: int = N) -> list[Row]:
    rows: list[Row] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields = {
            "occurred_at": T0 + dt.timedelta(minutes=seq), "action": "subject.erased",
            "category": "user.contact.email", "count": seq, "rule": "", "subject": None,
            "actor": "system", "detail": {"n": seq}, "prev_hash": prev,
        }  # fmt: skip
        prev = event_digest(**fields)
        rows.append((seq, *fields.values(), prev))  # type: ignore[arg-type]
    return rows


def _check(rows: list[Row]) -> list[tuple[str, tuple[int, ...]]]:
    rows = sorted(rows)

    def locate(hashes: Collection[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in reversed(rows):
            if row[10] in hashes:
                found[row[10]] = row[0]
        return found

    return [(p.kind, p.sequences) for p in verify(rows, locate).problems]


def _renumber(row: Row, seq: int) -> Row:
    return (seq, *row[1:])


def test_an_untouched_log_is_intact():
    assert _check(_log()) == []


@pytest.mark.parametrize("seq", [1, 6, N])
def test_a_changed_field_is_named(seq):
    rows = _log()
    rows[seq - 1] = (*rows[seq - 1][:4], 999, *rows[seq - 1][5:])  # type: ignore[assignment]
    assert _check(rows) == [("altered", (seq,))]


@pytest.mark.parametrize(("seq", "named"), [(1, (1, 2)), (6, (5, 6, 7)), (N - 1, (10, 11, 12))])
def test_a_deleted_event_is_named_with_its_neighbours(seq, named):
    rows = _log()
    del rows[seq - 1]
    assert _check(rows) == [("missing", named)]


def test_several_deleted_events_are_named_as_a_range():
    rows = _log()
    del rows[3:7]  # events 4 to 7
    report = verify(rows, lambda hashes: {})
    assert [p.message for p in report.problems] == ["events 4-7 are missing (between 3 and 8)"]


@pytest.mark.parametrize("after", [0, 1, 6, N - 1])
def test_a_forged_event_appended_with_an_old_link_is_named(after):
    rows = _log()
    link = GENESIS if after == 0 else rows[after - 1][10]
    fields = dict(zip(("occurred_at", "action", "category", "count", "rule", "subject",
                       "actor", "detail"), rows[0][1:9], strict=True))  # fmt: skip
    rows.append((N + 1, *fields.values(), link, event_digest(**fields, prev_hash=link)))  # type: ignore[arg-type]
    assert _check(rows) == [("inserted", tuple(sorted({after, after + 1, N + 1} - {0})))]


@pytest.mark.parametrize(("a", "b"), [(1, 2), (5, 6), (N - 1, N), (1, N), (3, 9)])
def test_two_swapped_events_are_named_once(a, b):
    rows = _log()
    rows[a - 1], rows[b - 1] = _renumber(rows[b - 1], a), _renumber(rows[a - 1], b)
    assert _check(rows) == [("reordered", (a, b))]


def test_a_renumbered_log_is_named():
    rows = [_renumber(row, row[0] + (row[0] > 4)) for row in _log()]  # 1-4, then 6-13
    report = verify(rows, lambda hashes: {})
    assert [p.kind for p in report.problems] == ["renumbered"]
    assert "jump from 4 to 6" in report.problems[0].message


def test_a_log_that_does_not_start_at_one_is_named():
    rows = [_renumber(row, row[0] + 10) for row in _log()]
    assert _check(rows) == [("renumbered", (11,))]


def test_a_second_genesis_is_named_as_inserted():
    rows = _log()
    fields = dict(zip(("occurred_at", "action", "category", "count", "rule", "subject",
                       "actor", "detail"), rows[0][1:9], strict=True))  # fmt: skip
    fields["count"] = 77
    rows.append((N + 1, *fields.values(), GENESIS, event_digest(**fields, prev_hash=GENESIS)))  # type: ignore[arg-type]
    report = verify(rows, lambda hashes: {})
    assert [p.message for p in report.problems] == [
        "event 13 was inserted: it claims to follow the start of the chain, "
        "which event 1 also follows"
    ]
