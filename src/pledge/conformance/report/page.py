"""The report as one self-contained HTML page an operator can hand to an auditor.

It loads nothing from anywhere: styles are inline, there is no script, no font, no image, and
its own Content-Security-Policy says so (``default-src 'none'``), so the page can be opened
offline, archived, or mailed, and reads the same. Every value is escaped; URLs are shown as
text, not links, so reading the report never contacts the site it describes.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from pledge.conformance.clauses import ClauseVerdict
from pledge.conformance.record import Visit
from pledge.conformance.report import Report
from pledge.conformance.results import Result, Status

_STYLE = """
:root { --ink: #1d1f23; --muted: #5b6270; --line: #d9dce1; --ok: #1f7a3f; --bad: #b3261e;
        --warn: #8a5a00; --na: #5b6270; --paper: #fff; --wash: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--ink); background: var(--wash); }
main { max-width: 72rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.5rem 0 .75rem; padding-bottom: .3rem;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0; }
.meta { color: var(--muted); margin: 0 0 1rem; }
.meta code { color: var(--ink); }
.banner { padding: 1rem 1.25rem; border-radius: .5rem; color: #fff; font-weight: 600;
          font-size: 1.1rem; margin: 1rem 0; }
.banner.ok { background: var(--ok); } .banner.bad { background: var(--bad); }
table { width: 100%; border-collapse: collapse; background: var(--paper); font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem;
         border-bottom: 1px solid var(--line); }
th { background: var(--wash); font-weight: 600; }
td.id, td.num { white-space: nowrap; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
              font-size: .86em; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .8rem;
         font-weight: 700; color: #fff; white-space: nowrap; }
.badge.kept { background: var(--ok); } .badge.broken { background: var(--bad); }
.badge.error { background: var(--warn); } .badge.na { background: var(--na); }
.check { background: var(--paper); border: 1px solid var(--line); border-left-width: 6px;
         border-radius: .4rem; padding: .9rem 1.1rem; margin: .8rem 0; }
.check.kept { border-left-color: var(--ok); } .check.broken { border-left-color: var(--bad); }
.check.error { border-left-color: var(--warn); } .check.na { border-left-color: var(--na); }
.check header { display: flex; gap: .75rem; align-items: baseline; flex-wrap: wrap; }
.check .cid { color: var(--muted); }
blockquote { margin: .5rem 0; padding: .3rem .8rem; border-left: 3px solid var(--line);
             color: var(--muted); font-style: italic; }
.evidence { margin: .4rem 0 0; padding-left: 1.2rem; }
.evidence li { margin: .15rem 0; }
.where { color: var(--muted); }
.gaps { color: var(--warn); }
details { margin: .8rem 0; background: var(--paper); border: 1px solid var(--line);
          border-radius: .4rem; padding: .5rem .9rem; }
.check details { margin: .3rem 0 0; padding: .2rem .6rem; }
summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
@media print { body { background: #fff; } details { border: 0; } details > * { display: block; } }
"""

NOT_HERE = "not observable from the site or its stores: proved by the test suite"
_BADGE = {
    Status.KEPT: "kept",
    Status.BROKEN: "broken",
    Status.ERROR: "error",
    Status.NOT_APPLICABLE: "na",
}


def _when(moment: dt.datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone(dt.UTC):%-d %B %Y, %H:%M:%S} UTC"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _badge(status: Status | None, words: str | None = None) -> str:
    css = _BADGE[status] if status else "na"
    shown = words or (status.value if status else "not checked")
    return f'<span class="badge {css}">{_e(shown)}</span>'


def _clauses(clauses: list[ClauseVerdict]) -> str:
    if not clauses:
        return "<p>This policy has no clause table; each check below is one of its promises.</p>"
    rows = "".join(
        f'<tr><td class="id">{_e(c.id)}</td><td>{_e(c.promise)}</td>'
        f"<td>{_badge(c.status, c.words)}</td>"
        f'<td class="mono">{_e(", ".join(c.checks) or NOT_HERE)}</td></tr>'
        for c in clauses
    )
    return (
        "<table><thead><tr><th>Clause</th><th>The policy promises</th><th>Verdict</th>"
        f"<th>Decided by</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _result(result: Result) -> str:
    css = _BADGE[result.status]
    clauses = f" · clauses {_e(', '.join(result.clauses))}" if result.clauses else ""
    items = "".join(
        f"<li>{_e(item.text)}"
        + (f' <span class="where mono">[{_e(item.where)}]</span>' if item.where else "")
        + "</li>"
        for item in result.evidence
    )
    gaps = "".join(f'<li class="gaps">Not checked: {_e(g)}</li>' for g in result.gaps)
    evidence = f'<ul class="evidence">{items}{gaps}</ul>' if items or gaps else ""
    if evidence and result.status in (Status.KEPT, Status.NOT_APPLICABLE):
        # What holds is shown on request; what is broken is shown at once.
        count = len(result.evidence) + len(result.gaps)
        evidence = f"<details><summary>Evidence ({count})</summary>{evidence}</details>"
    return (
        f'<section class="check {css}" id="{_e(result.check)}"><header>'
        f"<h3>{_e(result.title)}</h3>{_badge(result.status)}"
        f'<span class="cid mono">{_e(result.check)}{clauses}</span></header>'
        f"<blockquote>{_e(result.promise)}</blockquote>"
        f"<p><strong>{_e(result.summary)}</strong></p>{evidence}</section>"
    )


def _table(head: list[str], rows: list[list[object]]) -> str:
    if not rows:
        return "<p>None.</p>"
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f'<td class="mono">{_e(cell)}</td>' for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _visit(visit: Visit | None) -> str:
    if visit is None:
        return "<p>The site was not visited (see the errors above).</p>"
    pages = _table(
        ["Step", "URL", "Status", "Title"],
        [[p.step, p.url, p.status if p.status is not None else "—", p.title] for p in visit.pages],
    )
    journey = _table(
        ["Step", "Done", "Detail", "Where"],
        [[s.name, "yes" if s.ok else "NO", s.detail, s.url] for s in visit.journey],
    )
    cookies = _table(
        ["Set by", "Set-Cookie (value left out)"],
        [[c.url, c.shown()] for e in visit.exchanges for c in e.set_cookies],
    )
    jar = _table(
        ["Name", "Domain", "Expires", "Secure", "HttpOnly", "SameSite"],
        [
            [c.name, c.domain, "browser session" if c.expires == -1 else c.expires, c.secure,
             c.http_only, c.same_site]
            for c in visit.jar
        ],
    )  # fmt: skip
    probes = _table(
        ["Plain-HTTP URL", "Status", "Location", "Set-Cookie"],
        [
            [p.url, p.status if p.status is not None else p.error, p.location or "",
             len(p.set_cookies)]
            for p in visit.probes
        ],
    )  # fmt: skip
    requests = _table(
        ["Step", "Method", "URL", "Type", "Status", "Redirect / failure", "From page"],
        [
            [e.step, e.method, e.url, e.resource_type, e.status if e.status is not None else "—",
             e.location or e.failure or "", e.page]
            for e in visit.exchanges
        ],
    )  # fmt: skip
    problems = "".join(f"<li>{_e(p)}</li>" for p in [*visit.problems, *visit.skipped])
    return (
        f"<p>From {_e(_when(visit.started_at))} to {_e(_when(visit.finished_at))}: "
        f"{len(visit.pages)} pages, {len(visit.exchanges)} requests, {len(visit.probes)} "
        "plain-HTTP probes, in Debian's Chromium driven by Playwright.</p>"
        + (f"<ul>{problems}</ul>" if problems else "")
        + f"<details open><summary>Pages ({len(visit.pages)})</summary>{pages}</details>"
        + f"<details open><summary>The synthetic customer's journey</summary>{journey}</details>"
        + f"<details open><summary>Cookies set</summary>{cookies}"
        + f"<h3>In the browser at the end</h3>{jar}</details>"
        + f"<details><summary>Plain-HTTP probes ({len(visit.probes)})</summary>{probes}</details>"
        + f"<details><summary>Every request ({len(visit.exchanges)})</summary>{requests}</details>"
    )


def report_html(report: Report) -> str:
    ok = report.ok
    banner = f'<div class="banner {"ok" if ok else "bad"}">{_e(report.verdict_words())}</div>'
    policy = report.policy
    notes = "".join(f"<li>{_e(n)}</li>" for n in report.notes)
    results = "".join(_result(r) for r in report.results)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>Conformance report: {_e(policy.title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>Conformance report</h1>
<p class="meta">Site <code>{_e(report.url)}</code> checked against
<strong>{_e(policy.title)}</strong> (policy <code>{_e(policy.id)}</code>, effective
{_e(policy.effective)}; file <code>{_e(policy.path)}</code>, SHA-256
<code>{_e(policy.sha256)}</code>).<br>Run from {_e(_when(report.started_at))}
to {_e(_when(report.finished_at))};
{"the server's stores were scanned" if report.stores else "stores not scanned"}.</p>
{banner}
{f"<ul>{notes}</ul>" if notes else ""}
<h2>Clauses</h2>
{_clauses(report.clauses)}
<h2>Checks and evidence</h2>
<p>Each check holds the site to one promise, quoted from the policy, and lists what it saw.
"Not applicable" says why the promise does not arise here; "error" means it could not be
checked, which fails the run.</p>
{results}
<h2>The record of the visit</h2>
{_visit(report.visit)}
<footer>Made by <code>pledge conform</code>. This page is self-contained: it loads nothing
from any site, and its evidence shows no cookie value and nothing a visitor typed.</footer>
</main>
</body>
</html>
"""
