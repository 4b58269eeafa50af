"""The report as JSON: everything the HTML page shows, for machines and for keeping."""

from __future__ import annotations

import json
from typing import Any

from pledge.conformance.report import Report


def report_dict(report: Report) -> dict[str, Any]:
    counts = report.counts()
    return {
        "url": report.url,
        "policy": {
            "id": report.policy.id,
            "title": report.policy.title,
            "path": report.policy.path,
            "sha256": report.policy.sha256,
            "effective": report.policy.effective,
        },
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat(),
        "stores": report.stores,
        "strict": report.strict,
        "ok": report.ok,
        "exit_status": report.exit_status,
        "verdict": report.verdict_words(),
        "counts": {status.value: n for status, n in counts.items()},
        "notes": report.notes,
        "clauses": [c.as_dict() for c in report.clauses],
        "results": [r.as_dict() for r in report.results],
        "visit": report.visit.as_dict() if report.visit else None,
    }


def report_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False, default=str) + "\n"
