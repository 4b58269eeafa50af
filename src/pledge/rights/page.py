"""The readable page of the access bundle (``index.html``), made from the same data as the JSON.

Written with ``html.escape`` rather than a template: a customer with 10,000 orders has some
200,000 cells, which Django's template engine renders in seconds and string joins in a blink.
The page is self-contained (styles inline, no script, nothing fetched), so it opens the same
from a zip on any machine, offline, years from now.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;color:#222;max-width:72rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.7rem}h2{margin-top:2.2rem;border-bottom:2px solid #ddd}h3{margin-bottom:.3rem}
.meta{color:#555}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem}
th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}
"""


def _cell(value: Any) -> str:
    if type(value) is str:  # most cells: the fast path first
        return escape(value, quote=False)
    if value is None:
        return ""
    if isinstance(value, dict) and "base64" in value:
        return f"(a file of {value['bytes']:,} bytes: in data.json)"
    if isinstance(value, dict | list):
        return escape(json.dumps(value, ensure_ascii=False))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(str(value))


def _table(headings: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr><td>" + "</td><td>".join(map(_cell, row)) + "</td></tr>" for row in rows)
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _categories(data: dict[str, Any]) -> list[str]:
    out = ["<h2>What we hold about you</h2>"]
    if not data["categories"]:
        out.append("<p>We hold no records linked to you.</p>")
    for category in data["categories"]:
        count = category["records"]
        out.append(
            f"<h3>{escape(category['name'])} ({count:,} record{'' if count == 1 else 's'})</h3>"
        )
        if category["purposes"]:
            why = " ".join(p if p.endswith(".") else f"{p}." for p in category["purposes"])
            out.append(f"<p><strong>Why:</strong> {escape(why)}</p>")
        if category["retention"]:
            out.append(f"<p><strong>How long:</strong> {escape(category['retention'])}</p>")
        for holder in category["holders"]:
            if not holder["records"]:
                continue
            if holder["description"]:
                out.append(f'<p class="meta">{escape(holder["description"])}</p>')
            keys = [f["key"] for f in holder["fields"]]
            labels = [f["label"] for f in holder["fields"]]
            rows = [[record.get(k) for k in keys] for record in holder["records"]]
            out.append(_table(labels, rows))
    if data["held_unlinked"]:
        out.append("<h2>Held, but not linked to you</h2>")
        out.append(f"<p>{escape(data['held_unlinked'][0]['why'])}</p><ul>")
        for item in data["held_unlinked"]:
            what = " ".join(w if w.endswith(".") else f"{w}." for w in item["what"])
            out.append(f"<li><strong>{escape(item['name'])}</strong>: {escape(what)}</li>")
        out.append("</ul>")
    if data["not_held"]:
        names = ", ".join(n["name"] for n in data["not_held"])
        out.append(
            f"<h2>Not held</h2><p>We hold nothing about you of these kinds: {escape(names)}.</p>"
        )
    return out


def _consents(data: dict[str, Any]) -> list[str]:
    out = ["<h2>Your consent decisions</h2>"]
    if not data["consents"]:
        return [*out, "<p>None recorded.</p>"]
    rows = [
        [
            ", ".join(p["id"] for p in c["purposes"]),
            c["state"],
            c["given_at"],
            c["withdrawn_at"],
            c["collection_method"],
            c["notice"]["sha256"][:12],
        ]
        for c in data["consents"]
    ]
    headings = ["purpose", "decision", "given", "withdrawn", "where", "notice shown"]
    return [
        *out,
        _table(headings, rows),
        '<p class="meta">Full ISO/IEC TS 27560 records are in data.json.</p>',
    ]


def _disclosures(data: dict[str, Any]) -> list[str]:
    out = ["<h2>Disclosures of your data</h2>"]
    if not data["disclosures"]:
        return [*out, "<p>We have passed none of your data to anyone.</p>"]
    rows = [
        [d["when"], d["recipient"], d["basis"], d["reference"], d["what"]]
        for d in data["disclosures"]
    ]
    return [*out, _table(["when", "to", "legal basis", "reference", "what"], rows)]


def _requests_and_audit(data: dict[str, Any]) -> list[str]:
    out = ["<h2>Your requests</h2>"]
    rows = [
        [r["reference"], r["kind"], r["received"], r["due"], r["state"]] for r in data["requests"]
    ]
    out.append(
        _table(["reference", "kind", "received", "due", "state"], rows) if rows else "<p>None.</p>"
    )
    out.append("<h2>Our record of what was done with your data</h2>")
    events = [
        [e["when"], e["action"], e["category"], e["count"], e["rule"], e["actor"]]
        for e in data["audit_events"]
    ]
    headings = ["when", "what", "category", "records", "rule or reference", "by"]
    out.append(_table(headings, events) if events else "<p>No events.</p>")
    return out


def bundle_page(data: dict[str, Any]) -> str:
    about = data["about"]
    title = f"Your data, from {about['controller']}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Made {escape(about["made_at"])} (times are UTC unless marked) for '
        f"request {escape(about['reference'] or '-')}. Your id with us: "
        f"{escape(about['subject_id'])}. {about['records']:,} records in all.</p>",
        *_categories(data),
        *_consents(data),
        *_disclosures(data),
        *_requests_and_audit(data),
        "<h2>Your rights</h2>",
        f"<p>{escape(about['rights'])}</p>",
        f"<p>You may also complain to {escape(about['regulator'] or 'the regulator')}.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
