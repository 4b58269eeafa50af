"""The report as a terminal table: one line per check, evidence under what is not kept."""

from __future__ import annotations

import shutil
import textwrap

from pledge.conformance.report import Report
from pledge.conformance.results import Status

MARKS = {
    Status.KEPT: "kept",
    Status.BROKEN: "BROKEN",
    Status.ERROR: "ERROR",
    Status.NOT_APPLICABLE: "n/a",
}
EVIDENCE_SHOWN = 6


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def report_text(report: Report, width: int | None = None) -> str:
    width = width or max(100, min(shutil.get_terminal_size((120, 40)).columns, 160))
    visit = report.visit
    lines = [
        f"pledge conform {report.url}",
        f"policy {report.policy.id!r}: {report.policy.title} ({report.policy.path}, sha256 "
        f"{report.policy.sha256[:12]}…)",
    ]
    if visit is not None:
        lines.append(
            f"visited {len(visit.pages)} pages with {len(visit.exchanges)} requests"
            + (f", {len(visit.probes)} plain-HTTP probes" if visit.probes else "")
            + ("; stores scanned" if report.stores else "; stores not scanned (--stores)")
        )
    lines += [f"note: {note}" for note in report.notes]
    name_width = max((len(r.check) for r in report.results), default=10) + 2
    lines += ["", f"{'CHECK':<{name_width}}{'STATUS':<8}SUMMARY"]
    summary_width = width - name_width - 8
    for result in report.results:
        lines.append(
            f"{result.check:<{name_width}}{MARKS[result.status]:<8}"
            f"{_cut(result.summary, summary_width)}"
        )
        if result.status in (Status.BROKEN, Status.ERROR):
            for item in result.evidence[:EVIDENCE_SHOWN]:
                where = f" [{item.where}]" if item.where else ""
                lines.append(" " * (name_width + 2) + _cut(f"- {item.text}{where}", summary_width))
            if len(result.evidence) > EVIDENCE_SHOWN:
                more = len(result.evidence) - EVIDENCE_SHOWN
                lines.append(" " * (name_width + 2) + f"- … {more} more in the JSON or HTML report")
        for gap in result.gaps[:3]:
            lines.append(" " * (name_width + 2) + _cut(f"? not checked: {gap}", summary_width))
    if report.clauses:
        lines += ["", "CLAUSES (docs/clauses.md)"]
        for clause in report.clauses:
            head = f"{clause.id:<6}{clause.words:<24}"
            body = f"{clause.promise}" + (f" [{', '.join(clause.checks)}]" if clause.checks else "")
            wrapped = textwrap.wrap(body, width - len(head)) or [""]
            lines.append(head + wrapped[0])
            lines += [" " * len(head) + more for more in wrapped[1:]]
    lines += ["", f"RESULT: {report.verdict_words()} (exit {report.exit_status})"]
    return "\n".join(lines) + "\n"
