"""A pytest plugin: ``@pytest.mark.clause("AL6")`` and the clause table at the end of a run.

The ids come from ``docs/clauses.md``; a marker naming an id not in that table is a usage
error, so a typo cannot make a clause look proven.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

CLAUSES_FILE = Path(__file__).resolve().parents[3] / "docs" / "clauses.md"
_ROW = re.compile(r"^\|\s*([A-Z]{2}\d+)\s*\|")


def clause_ids(path: Path = CLAUSES_FILE) -> list[str]:
    """Clause ids in the order the table lists them."""
    return [
        m[1] for line in path.read_text(encoding="utf-8").splitlines() if (m := _ROW.match(line))
    ]


_counts: Counter[str] = Counter()  # passing tests per clause
_carried: Counter[str] = Counter()  # collected tests per clause
_breaks: Counter[str] = Counter()  # passing tests that break the promise on a live site
_known: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    _known[:] = clause_ids()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for mark in [*item.iter_markers("clause"), *item.iter_markers("breaks")]:
            for clause in mark.args:
                if clause not in _known:
                    raise pytest.UsageError(
                        f"{item.nodeid}: clause {clause!r} is not in {CLAUSES_FILE.name} "
                        f"(known: {', '.join(_known)})"
                    )
                if mark.name == "clause":
                    _carried[clause] += 1


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for clause in getattr(report, "clauses", ()):
            _counts[clause] += 1
        for clause in getattr(report, "breaks", ()):
            _breaks[clause] += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    report.clauses = [c for mark in item.iter_markers("clause") for c in mark.args]
    report.breaks = [c for mark in item.iter_markers("breaks") for c in mark.args]


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """A short table: tests carrying each clause, passing ones in brackets, and a * where a
    passing test broke the promise on a live site and saw conformance catch it (proven)."""
    if not _known:
        return
    terminalreporter.section("clauses: tests carrying each (passing), * proven by a breakage test")
    cells = [f"{c:<5}{_carried[c]:>3} ({_counts[c]}){'*' if _breaks[c] else ''}" for c in _known]
    for start in range(0, len(cells), 7):
        row = "  ".join(f"{cell:<14}" for cell in cells[start : start + 7])
        terminalreporter.write_line(row.rstrip())
    none = [c for c in _known if not _carried[c]]
    failing = [c for c in _known if _carried[c] and not _counts[c]]
    terminalreporter.write_line(f"no test: {', '.join(none) if none else 'none'}")
    if failing:
        terminalreporter.write_line(f"no passing test in this run: {', '.join(failing)}")
    unproven = [c for c in _known if not _breaks[c]]
    terminalreporter.write_line(
        f"proven (a breakage test passed): {len(_known) - len(unproven)} of {len(_known)}; "
        f"not proven: {', '.join(unproven) if unproven else 'none'}"
    )
