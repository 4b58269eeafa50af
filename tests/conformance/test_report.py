"""The report: clause verdicts from check results, the exit status, and the three renderings."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from pledge.conformance.clauses import clause_table, clause_verdicts
from pledge.conformance.report import PolicyInfo, Report
from pledge.conformance.report.data import report_json
from pledge.conformance.report.page import report_html
from pledge.conformance.report.terminal import report_text
from pledge.conformance.results import Evidence, Result, Status
from tests.conformance.records import visit

WHEN = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


def result(check: str, status: Status, clauses=("JC3",), evidence=(), gaps=()) -> Result:
    return Result(check, f"title of {check}", "the promise", clauses, status, f"{check} summary",
                  tuple(evidence), tuple(gaps))  # fmt: skip


def report(*results: Result, strict: bool = False) -> Report:
    return Report(
        url="https://shop.test/",
        policy=PolicyInfo("japan-centre", "Japan Centre <Statement>", "p.yaml", "ab" * 32, "2026"),
        started_at=WHEN, finished_at=WHEN, stores=True, results=list(results),
        clauses=clause_verdicts("japan-centre", list(results)), visit=visit(), strict=strict,
    )  # fmt: skip


def test_a_clause_is_as_its_worst_check_and_unchecked_where_no_check_proves_it():
    verdicts = {
        c.id: c
        for c in clause_verdicts(
            "japan-centre",
            [
                result("a", Status.KEPT, ("JC3",)),
                result("b", Status.BROKEN, ("JC3", "AL4")),
                result("c", Status.NOT_APPLICABLE, ("JC4",)),
            ],
        )
    }
    assert set(verdicts) == {f"JC{n}" for n in range(1, 15)}  # only the active policy's
    assert verdicts["JC3"].status is Status.BROKEN and verdicts["JC3"].checks == ("a", "b")
    assert verdicts["JC4"].status is Status.NOT_APPLICABLE
    assert verdicts["JC8"].words == "not checked by conform"
    assert clause_table()["JC11"][0].startswith("One basket cookie")


def test_a_policy_without_a_clause_table_gets_its_checks_without_clause_ids():
    assert clause_verdicts("some-other-shop", [result("a", Status.KEPT)]) == []


@pytest.mark.parametrize(
    ("statuses", "strict", "exit_status"),
    [
        ((Status.KEPT, Status.NOT_APPLICABLE), False, 0),
        ((Status.KEPT, Status.BROKEN), False, 1),
        ((Status.KEPT, Status.ERROR), False, 1),  # a check that could not finish fails the run
        ((Status.KEPT, Status.NOT_APPLICABLE), True, 1),
    ],
)
def test_the_exit_status_is_0_only_when_every_check_passes(statuses, strict, exit_status):
    made = report(*(result(f"c{i}", s) for i, s in enumerate(statuses)), strict=strict)
    assert made.exit_status == exit_status


def test_strict_mode_also_fails_on_what_was_left_unchecked():
    gapped = result("a", Status.KEPT, gaps=["partitions/x.parquet: encrypted, no reader"])
    assert report(gapped).exit_status == 0
    assert report(gapped, strict=True).exit_status == 1


def test_the_html_page_escapes_everything_and_loads_nothing():
    hostile = Evidence('<script>alert("x")</script>', "https://evil.test/<img src=x>")
    page = report_html(report(result("a", Status.BROKEN, evidence=[hostile])))
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Japan Centre &lt;Statement&gt;" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "default-src 'none'" in page
    assert "22 November 2026, 09:30:00 UTC" in page


def test_json_and_terminal_reports_carry_the_same_verdicts():
    made = report(
        result("a", Status.KEPT), result("b", Status.BROKEN, evidence=[Evidence("e1", "w1")])
    )
    data = json.loads(report_json(made))
    assert data["exit_status"] == 1 and data["ok"] is False
    assert [r["status"] for r in data["results"]] == ["kept", "broken"]
    assert {c["id"]: c["status"] for c in data["clauses"]}["JC3"] == "broken"
    text = report_text(made, width=120)
    assert re.search(r"^b\s+BROKEN\s+b summary$", text, re.M)
    assert "- e1 [w1]" in text
    assert text.rstrip().endswith("(exit 1)")
