"""Walking the audit chain and saying, by sequence number, what is wrong with it.

One pass in sequence order checks every event's hash against its content and cuts the log into
*runs*: stretches in which each event holds the hash of the one before. An intact log is a single
run starting from the genesis hash. Every place a run ends is a break, and what the next run's
first event links to tells the break's kind:

- nothing in the log: events are missing there (deleted);
- the last event of a run that is not its neighbour: events are out of order (reordered);
- an event that another event already follows: a fork, and the branch that leads nowhere was
  inserted.

Only one run is held at a time while streaming, plus a few numbers per break, so memory stays
flat however long the log; the few hashes that need looking up are looked up in one go after.
This module is pure (no database): ``pledge.audit.selectors.audit_verify`` feeds it.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pledge.audit.chain import GENESIS, event_digest

FIELDS = (
    "sequence", "occurred_at", "action", "category", "count", "rule", "subject", "actor",
    "detail", "prev_hash", "hash",
)  # fmt: skip
_HASHED = FIELDS[1:10]  # what event_digest takes: all but the sequence number and the hash
Row = tuple[int, datetime, str, str, int, str, uuid.UUID | None, str, Any, str, str]
Kind = Literal["altered", "missing", "inserted", "reordered", "renumbered"]
Locate = Callable[[Collection[str]], Mapping[str, int]]
"""Given hashes, the sequence number of the (first) event holding each one that exists."""


@dataclass(frozen=True)
class Problem:
    kind: Kind
    sequences: tuple[int, ...]
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class VerifyReport:
    count: int
    head: str
    """The hash of the newest event: worth writing down, since no chain can show its own end
    being cut off or the whole of it rewritten; a later head that does not descend from a
    recorded one can."""
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Run:
    first: int
    last: int
    size: int
    link: str  # prev_hash of the first event
    tail: str  # hash of the last event


@dataclass
class _Scan:
    runs: list[_Run]
    problems: list[Problem] = field(default_factory=list)
    altered: set[int] = field(default_factory=set)
    count: int = 0
    head: str = GENESIS


def verify(rows: Iterable[Row], locate: Locate) -> VerifyReport:
    """Check ``rows`` (every event, in sequence order) and report each problem found."""
    scan = _scan(rows)
    problems = scan.problems + _Breaks(scan, locate).problems()
    problems.sort(key=lambda p: (min(p.sequences, default=0), p.kind))
    return VerifyReport(count=scan.count, head=scan.head, problems=tuple(problems))


def _scan(rows: Iterable[Row]) -> _Scan:
    # runs[0] stands for the start of the chain: "event 0", whose hash is the genesis hash.
    start = _Run(first=0, last=0, size=0, link="", tail=GENESIS)
    scan = _Scan(runs=[start])
    run = start
    for row in rows:
        seq, link, stored = row[0], row[9], row[10]
        scan.count, scan.head = scan.count + 1, stored
        if event_digest(**dict(zip(_HASHED, row[1:10], strict=True))) != stored:
            scan.altered.add(seq)
            message = f"event {seq} was altered: it no longer matches its hash"
            scan.problems.append(Problem("altered", (seq,), message))
        if link == run.tail:
            if seq != run.last + 1:
                scan.problems.append(_renumbered(run.last, seq))
            if run is not start:
                run.last, run.size, run.tail = seq, run.size + 1, stored
                continue
        # A new run: a break, except for the first run when it links on from the start.
        run = _Run(first=seq, last=seq, size=1, link=link, tail=stored)
        scan.runs.append(run)
    return scan


def _renumbered(before: int, seq: int) -> Problem:
    if before == 0:
        message = f"event {seq} begins the chain, so it should be event 1: it was renumbered"
    else:
        message = (
            f"sequence numbers jump from {before} to {seq}, yet event {seq} follows event "
            f"{before} in the chain: events were renumbered"
        )
    return Problem("renumbered", (before, seq) if before else (seq,), message)


class _Breaks:
    """What each run after the first links to, and what that says about the log."""

    def __init__(self, scan: _Scan, locate: Locate) -> None:
        self.runs, self.altered = scan.runs, scan.altered
        self.tail_of: dict[str, int] = {}
        for index, run in enumerate(self.runs):
            self.tail_of.setdefault(run.tail, index)
        self.after: dict[int, list[int]] = defaultdict(list)  # run → runs linking to its tail
        for index, run in enumerate(self.runs[1:], 1):
            if run.link in self.tail_of:
                self.after[self.tail_of[run.link]].append(index)
        unknown = {r.link for r in self.runs[1:] if r.link not in self.tail_of}
        self.inside = dict(locate(unknown)) if unknown else {}
        self.firsts = [run.first for run in self.runs]
        self.reach = _reach(self.runs, self.after)

    def problems(self) -> list[Problem]:
        found: list[Problem] = []
        forks: dict[tuple[int, int], list[int]] = defaultdict(list)  # (run, seq) → runs
        out_of_order: list[int] = []
        for index, run in enumerate(self.runs[1:], 1):
            before = self.runs[index - 1]
            if run.first in self.altered:
                continue  # its own link may be what was altered; reported already
            if run.link in self.tail_of:
                source = self.tail_of[run.link]
                if len(self.after[source]) > 1:
                    forks[(source, self.runs[source].last)].append(index)
                elif source != index - 1:
                    out_of_order.append(index)
            elif run.link in self.inside:
                seq = self.inside[run.link]
                forks[(bisect.bisect_right(self.firsts, seq) - 1, seq)].append(index)
            elif before.last not in self.altered:
                found.append(self._missing(before, run))
        for (source, seq), branches in forks.items():
            found.extend(self._fork(source, seq, branches))
        found.extend(self._reordered(out_of_order))
        return found

    def _missing(self, before: _Run, run: _Run) -> Problem:
        low, high = before.last + 1, run.first - 1
        where = f"between {before.last} and {run.first}" if before.last else f"before {run.first}"
        if low <= high:
            are = "is" if low == high else "are"
            return Problem(
                "missing",
                _nonzero(before.last, low, high, run.first),
                f"{_events(low, high)} {are} missing ({where})",
            )
        if not before.last:
            message = (
                f"the start of the chain is missing: event {run.first} follows an event "
                "that is not in the log"
            )
        else:
            message = (
                f"event {run.first} does not follow event {before.last} in the chain: an event "
                f"between them is missing, or event {before.last} was rewritten"
            )
        return Problem("missing", _nonzero(before.last, run.first), message)

    def _fork(self, source: int, seq: int, heads: list[int]) -> list[Problem]:
        """Several events follow one: the branches that lead nowhere were inserted."""
        branches = [(self.runs[h].first, self.runs[h].last, self.reach[h]) for h in heads]
        holder = self.runs[source]
        if seq != holder.last:  # the fork is inside a run: its own continuation is a branch
            rest = self.reach[source] - (seq - holder.first + 1)
            branches.append((seq + 1, holder.last, rest))
        branches.sort(key=lambda b: (-b[2], b[0]))
        kept = branches[0]
        point = f"event {seq}" if seq else "the start of the chain"
        if branches[1][2] == kept[2]:
            tied = [b[0] for b in branches if b[2] == kept[2]]
            names = _and([str(t) for t in tied])
            message = f"events {names} all follow {point}: one of them was inserted"
            if len(tied) == 2:
                message = f"events {names} both follow {point}: one of them was inserted"
            return [Problem("inserted", _nonzero(seq, *tied), message)]
        found = []
        for first, last, _ in branches[1:]:
            what = "was inserted: it claims" if first == last else "were inserted: they claim"
            found.append(
                Problem(
                    "inserted",
                    _nonzero(first, last, seq, kept[0]),
                    f"{_events(first, last)} {what} to follow {point}, "
                    f"which event {kept[0]} also follows",
                )
            )
        return found

    def _reordered(self, candidates: list[int]) -> list[Problem]:
        found: list[Problem] = []
        explained: set[int] = set()
        for index in candidates:
            if index in explained:
                continue
            chain = self._walk(index - 1)
            if chain is None:
                run, source = self.runs[index], self.runs[self.tail_of[self.runs[index].link]]
                before = self.runs[index - 1]
                found.append(
                    Problem(
                        "reordered",
                        _nonzero(run.first, source.last, before.last),
                        f"event {run.first} is out of order: in the chain it follows "
                        f"{_event_or_start(source.last)}, not {_event_or_start(before.last)}",
                    )
                )
                continue
            explained.update(chain[1:])
            found.append(self._block(chain))
        return found

    def _walk(self, begin: int) -> list[int] | None:
        """The chain's own order of the runs from ``begin``, up to where it agrees again with
        sequence order; None if it forks, stops or loops first."""
        chain, current, seen = [begin], begin, {begin}
        while True:
            following = self.after.get(current, [])
            contiguous = len(chain) == max(chain) - begin + 1
            if not following and contiguous and max(chain) == len(self.runs) - 1:
                return chain  # the reordering reaches the end of the log
            if len(following) != 1 or following[0] in seen or following[0] < begin:
                return None
            current = following[0]
            chain.append(current)
            seen.add(current)
            if len(chain) == current - begin + 1 == max(chain) - begin + 1:
                return chain  # back in step: this run and everything before it accounted for

    def _block(self, chain: list[int]) -> Problem:
        begin = chain[0]
        moved = sorted(r for position, r in enumerate(chain) if r != begin + position)
        labels = ["the start" if begin == 0 else str(self.runs[begin].last)]
        labels += [_span(self.runs[r]) for r in chain[1:-1]]
        end = self.runs[chain[-1]]
        labels.append(str(end.first) if chain[-1] not in moved else _span(end))
        names = _and([_span(self.runs[r]) for r in moved])
        ends = {n for r in moved for n in (self.runs[r].first, self.runs[r].last)}
        return Problem(
            "reordered",
            tuple(sorted(ends)),
            f"events {names} are out of order: the chain runs {' → '.join(labels)}",
        )


def _reach(runs: list[_Run], after: Mapping[int, list[int]]) -> list[int]:
    """For each run, how many events the longest chain from its first event holds."""
    reach = [0] * len(runs)
    state = [0] * len(runs)  # 0 unseen, 1 on the stack, 2 done (a loop is cut at 1)
    for root in range(len(runs)):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(after.get(root, ())))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                state[node] = 2
                done = [reach[c] for c in after.get(node, ()) if state[c] == 2]
                reach[node] = runs[node].size + max(done, default=0)
            elif not state[child]:
                state[child] = 1
                stack.append((child, iter(after.get(child, ()))))
    return reach


def _events(first: int, last: int) -> str:
    return f"event {first}" if first == last else f"events {first}-{last}"


def _span(run: _Run) -> str:
    return str(run.first) if run.first == run.last else f"{run.first}-{run.last}"


def _event_or_start(seq: int) -> str:
    return f"event {seq}" if seq else "the start of the chain"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _nonzero(*sequences: int) -> tuple[int, ...]:
    return tuple(sorted({s for s in sequences if s}))
