"""``pledge logs stats``: the report as plain text tables."""

from __future__ import annotations

from pledge.traffic.report import TITLES
from pledge.traffic.selectors import Report

WIDTH = 56


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _bar(value: int, largest: int, width: int = 20) -> str:
    return "█" * (round(width * value / largest) if largest else 0)


def render(report: Report) -> str:
    lines = [
        f"Traffic, {report.first} to {report.last}, by {report.kind} "
        f"(policy {report.policy}; groups of fewer than {report.minimum} visitors are not shown)",
        "",
        f"  views {report.views:,}   visitors {report.visitors:,}   "
        f"bot requests {report.bot_views:,}",
        "",
        f"  {report.kind:<12} {'views':>10} {'visitors':>10} {'bots':>10}",
    ]
    largest = max((p.views for p in report.series), default=0)
    for point in report.series:
        lines.append(
            f"  {point.bucket:<12} {point.views:>10,} {point.visitors:>10,} "
            f"{point.bot_views:>10,}  {_bar(point.views, largest)}"
        )
    for name, rows in report.tables.items():
        lines += ["", f"  {TITLES.get(name, name)}"]
        if not rows:
            lines.append("    (nothing large enough to show)")
            continue
        for row in rows:
            name = _cut(row.value, WIDTH)
            lines.append(f"    {name:<{WIDTH}} {row.views:>10,} {row.visitors:>10,}")
    lines += ["", "  visitors: daily unique visitors, summed over the days shown"]
    return "\n".join(lines) + "\n"
