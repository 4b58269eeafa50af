"""Conformance tests: the ``breaks`` marker, and the sites and runs the modules share.

``@pytest.mark.breaks("JC11")`` marks a test that breaks the promise of a clause on a test site
and shows that ``pledge conform`` names the clause and the evidence. The clause table of a test
run counts a clause as proven only where such a test exists; like ``clause``, an id not in
``docs/clauses.md`` is a usage error, so a typo cannot make a clause look proven.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from pledge.conformance.clauses import clause_table, clauses_file

CHROMIUM = "/usr/bin/chromium"
breaking: Counter[str] = Counter()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "breaks(id): breaks the clause's promise on a test site and shows conform catches it",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    known = set(clause_table())
    for item in items:
        for mark in item.iter_markers("breaks"):
            for clause in mark.args:
                if clause not in known:
                    raise pytest.UsageError(
                        f"{item.nodeid}: breaks({clause!r}) names no clause of {clauses_file()}"
                    )
                breaking[clause] += 1


@pytest.fixture(scope="session")
def chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Chromium not installed: apt-get install chromium")
