"""The report as HTML: tables and inline SVG charts, nothing fetched from anywhere.

``render_page`` writes a self-contained file (its styles inline; no script, no font, no CDN),
for ``pledge logs stats --html``. ``render_body`` is the same content without a page around it,
for the operator admin, whose Content-Security-Policy allows no inline style: the charts use
SVG presentation attributes and classes only.
"""

from __future__ import annotations

from html import escape

from pledge.traffic.report import TITLES
from pledge.traffic.selectors import Report

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;color:#1d1d1f;
padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{padding:.2rem .5rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even){background:#f4f4f6}.note{color:#555;font-size:.9rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(28rem,1fr));gap:1rem}
"""

VIEWS_COLOUR, VISITORS_COLOUR, BOTS_COLOUR = "#3b6ea8", "#e07b39", "#9a9a9a"


def _series_chart(report: Report) -> str:
    """Bars of views (people) per bucket, visitors as a line, bot requests as grey ticks."""
    points = report.series
    width, height, pad = 960, 260, 40
    if not points:
        return ""
    top = max(max(p.views for p in points), max(p.bot_views for p in points), 1)
    step = (width - 2 * pad) / len(points)
    bar = max(step * 0.7, 1)

    def y(value: int) -> float:
        return height - pad - (height - 2 * pad) * value / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="views, visitors and bot requests per {report.kind}">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#888"/>',
        f'<text x="{pad}" y="{pad - 12}" font-size="12" fill="#555">{top:,}</text>',
    ]
    line = []
    for i, p in enumerate(points):
        x = pad + i * step
        parts.append(
            f'<rect x="{x:.1f}" y="{y(p.views):.1f}" width="{bar:.1f}" '
            f'height="{height - pad - y(p.views):.1f}" fill="{VIEWS_COLOUR}">'
            f"<title>{escape(p.bucket)}: {p.views:,} views, {p.visitors:,} visitors, "
            f"{p.bot_views:,} bot requests</title></rect>"
        )
        parts.append(
            f'<line x1="{x:.1f}" x2="{x + bar:.1f}" y1="{y(p.bot_views):.1f}" '
            f'y2="{y(p.bot_views):.1f}" stroke="{BOTS_COLOUR}" stroke-width="2"/>'
        )
        line.append(f"{x + bar / 2:.1f},{y(p.visitors):.1f}")
        if len(points) <= 16 or i % max(len(points) // 12, 1) == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - pad + 16}" font-size="11" '
                f'fill="#555">{escape(p.bucket)}</text>'
            )
    parts.append(
        f'<polyline points="{" ".join(line)}" fill="none" stroke="{VISITORS_COLOUR}" '
        'stroke-width="2"/>'
    )
    legend = [("views", VIEWS_COLOUR), ("visitors", VISITORS_COLOUR), ("bot requests", BOTS_COLOUR)]
    for i, (label, colour) in enumerate(legend):
        lx = width - pad - 330 + i * 115
        parts.append(f'<rect x="{lx}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 16}" y="19" font-size="12" fill="#333">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bars(rows: list, label: str) -> str:
    """A horizontal bar per group (views)."""
    if not rows:
        return ""
    width, row_height, left = 460, 22, 200
    height = row_height * len(rows) + 4
    top = max(r.views for r in rows) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    for i, r in enumerate(rows):
        y = i * row_height + 2
        name = r.value if len(r.value) <= 30 else r.value[:29] + "…"
        length = (width - left - 60) * r.views / top
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end" '
            f'fill="#333">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row_height - 6}" '
            f'fill="{VIEWS_COLOUR}"><title>{escape(r.value)}: {r.views:,} views, '
            f"{r.visitors:,} visitors</title></rect>"
            f'<text x="{left + length + 4:.1f}" y="{y + 15}" font-size="11" '
            f'fill="#555">{r.views:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: list) -> str:
    body = "".join(
        f'<tr><td>{escape(r.value)}</td><td class="n">{r.views:,}</td>'
        f'<td class="n">{r.visitors:,}</td></tr>'
        for r in rows
    )
    return (
        '<table><thead><tr><th></th><th class="n">views</th><th class="n">visitors</th>'
        f"</tr></thead><tbody>{body}</tbody></table>"
    )


def render_body(report: Report) -> str:
    series_rows = "".join(
        f'<tr><td>{escape(p.bucket)}</td><td class="n">{p.views:,}</td>'
        f'<td class="n">{p.visitors:,}</td><td class="n">{p.bot_views:,}</td></tr>'
        for p in report.series
    )
    sections = [
        f"<p>{report.first} to {report.last}, by {report.kind}. "
        f"<strong>{report.views:,}</strong> views, <strong>{report.visitors:,}</strong> "
        f"visitors, <strong>{report.bot_views:,}</strong> bot requests.</p>",
        f'<p class="note">Groups of fewer than {report.minimum} visitors are never shown, in '
        "any report or export; a week or month is the sum of its days as shown. Visitors are "
        "daily unique visitors, summed over the days of a bucket.</p>",
        _series_chart(report),
        '<table><thead><tr><th></th><th class="n">views</th><th class="n">visitors</th>'
        f'<th class="n">bot requests</th></tr></thead><tbody>{series_rows}</tbody></table>',
        '<div class="grid">',
    ]
    for name, rows in report.tables.items():
        title = TITLES.get(name, name)
        content = (
            _bars(rows, title) + _table(rows) if rows else "<p>Nothing large enough to show.</p>"
        )
        sections.append(f"<section><h2>{escape(title)}</h2>{content}</section>")
    sections.append("</div>")
    return "\n".join(sections)


def render_page(report: Report) -> str:
    title = f"Traffic: {report.first} to {report.last}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>\n{render_body(report)}\n</body></html>\n"
    )
