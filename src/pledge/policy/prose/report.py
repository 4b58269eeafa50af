"""The review summary printed on the terminal after an import.

It says, field by field, what the notice states (with the offsets of the sentences), what it
leaves open and what it contradicts, then lists the draft's review items and pledge's proposals,
so an operator knows the work left before ``pledge policy check`` will accept the file. Where no
draft could be written it says why, and still lists whatever was found.
"""

from __future__ import annotations

import textwrap

from pledge.policy.prose import Import
from pledge.policy.prose.facts import Fact, Status
from pledge.policy.prose.findings import Findings
from pledge.policy.prose.text import Sentence

_LABEL = 16
_ANCHOR_WORDS = {
    "collected": "collection",
    "last-activity": "the last activity",
    "account-closed": "the account is closed",
    "order-completed": "the order",
    "consent-withdrawn": "consent is withdrawn",
}
_WIDTH = 100


def _where(sentences: tuple[Sentence, ...] | list[Sentence]) -> str:
    shown = ", ".join(f"{s.start}-{s.end}" for s in list(sentences)[:3])
    return f"  [{shown}]" if shown else ""


def _line(label: str, text: str, evidence: tuple[Sentence, ...] | list[Sentence] = ()) -> str:
    lines = textwrap.wrap(f"{text}{_where(evidence)}", _WIDTH - _LABEL - 2) or [""]
    pad = " " * (_LABEL + 2)
    return "\n".join([f"  {label:<{_LABEL}}{lines[0]}", *(pad + line for line in lines[1:])])


def _fact(label: str, fact: Fact, shown: str | None = None) -> str:
    if fact.status is Status.NOT_STATED:
        return _line(label, "not stated")
    text = shown if shown is not None else str(fact.value)
    if fact.status is not Status.STATED:
        text = f"{fact.status.value}: {fact.note or text}"
    return _line(label, text, fact.evidence)


def _cookies(found: Findings) -> str:
    cookies = found.cookies
    used = cookies.used
    if used.stated:
        if used.value is False:
            return _line("cookies", "none used", used.evidence)
        kinds = ", ".join(cookies.kinds()) or "kind not stated"
        named = ", ".join(
            f"{u.name} ({u.lifetime or 'lifetime not stated'})" for u in cookies.uses[:6]
        )
        return _line("cookies", f"used ({kinds}): {named}", used.evidence)
    return _fact("cookies", used)


def _retention(found: Findings) -> list[str]:
    retention = found.retention
    if not retention.stated:
        return [_line("retention", "not stated")]
    names = {c.kind.key: c.kind.name for c in found.categories}
    lines = []
    for key, rule in retention.rules.items():
        parts = []
        if rule.minimum:
            parts.append(f"at least {rule.minimum.words()}")
        if rule.maximum:
            parts.append(f"deleted {rule.maximum.words()} after {_ANCHOR_WORDS[rule.anchor]}")
        if rule.on_request:
            parts.append("then kept until the person asks")
        if rule.indefinite:
            parts.append("kept indefinitely")
        if not rule.erasable_on_request:
            parts.append("not erasable on request")
        if rule.conflicts:
            parts.append("different periods given: " + "; ".join(rule.conflicts))
        if not parts:
            parts.append("no period given")
        general = " (said of all data)" if rule.general else ""
        text = f"{names.get(key, key)}{general}: {', '.join(parts)}"
        lines.append(_line("retention" if not lines else "", text, rule.evidence))
    others = [s for s in retention.statements if s.scope == "backups"]
    for statement in others:
        lines.append(
            _line(
                "" if lines else "retention",
                f"backups: {statement.sentence.text}",
                (statement.sentence,),
            )
        )
    if retention.fiscal_year_end.status is not Status.NOT_STATED:
        end = retention.fiscal_year_end
        text = f"deleted after the fiscal year ending {end.value}" if end.value else end.note
        lines.append(_line("", text, end.evidence))
    if not lines:
        statement = retention.statements[0]
        lines.append(
            _line(
                "retention",
                f"stated for no single category: {statement.sentence.text}",
                (statement.sentence,),
            )
        )
    return lines


def _sharing(found: Findings) -> list[str]:
    sharing = found.sharing
    verdict = sharing.verdict
    lines = []
    if verdict.status is Status.NOT_STATED:
        lines.append(_line("sharing", "not stated"))
    else:
        names = sorted({r.name for r in sharing.recipients})
        text = "with " + ", ".join(names) if verdict.value is True else "with no third party"
        if verdict.status is Status.CONTRADICTORY:
            text = "contradictory; in practice " + text
        lines.append(_line("sharing", text, verdict.evidence))
    if sharing.exceptions:
        kinds = ", ".join(sharing.exception_kinds())
        evidence = list(dict.fromkeys(e.sentence for e in sharing.exceptions))
        lines.append(_line("  exceptions", kinds, evidence))
    return lines


def _categories(found: Findings) -> list[str]:
    lines = []
    for finding in found.categories:
        sources = ", ".join(s for s, _ in finding.sources) or "sources not stated"
        fields = ", ".join(f for f, _ in finding.fields) or "fields not stated"
        lines.append(
            _line(
                "data" if not lines else "",
                f"{finding.kind.name}: {fields}; from {sources}",
                finding.evidence[:2],
            )
        )
    return lines or [_line("data", "no category of data is named")]


def findings_lines(found: Findings) -> list[str]:
    lines = [
        _fact("controller", found.controller),
        _fact("contact email", found.email),
        *_categories(found),
        _cookies(found),
        *_retention(found),
        *_sharing(found),
        _fact("passwords", found.passwords),
        _fact("card data", found.cards),
        _fact("marketing", found.marketing),
        _fact("  withdrawal", found.withdraw, "stated"),
        _fact("statistics", found.statistics),
        _fact("payments", found.payments, ", ".join(found.payments.value or ())),
    ]
    return lines


def summary(result: Import, written_to: str | None) -> str:
    """The terminal report for one import."""
    document = result.document
    lines = []
    if document is not None:
        lines.append(
            f"pledge policy import: {result.source} ({document.form}, {document.words} words, "
            f"{len(document.sentences)} sentences)"
        )
    else:
        lines.append(f"pledge policy import: {result.source}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    if result.draft is None:
        lines.append("No draft written:")
        lines += [f"  - {problem}" for problem in result.problems]
        if result.findings is not None:
            lines += ["", "What was read all the same:", *findings_lines(result.findings)]
        return "\n".join(lines) + "\n"
    found = result.findings
    draft = result.draft
    assert found is not None
    lines += ["", "Found in the notice ([start-end]: character offsets of the sentences):"]
    lines += findings_lines(found)
    if found.contradictions:
        lines += ["", f"Contradictions ({len(found.contradictions)}):"]
        for contradiction in found.contradictions:
            text = f"{contradiction.topic}: {contradiction.message}{_where(contradiction.evidence)}"
            lines += textwrap.wrap(text, _WIDTH, initial_indent="  ", subsequent_indent="    ")
    target = written_to or "the draft"
    lines += ["", f"For review ({len(draft.review)}), tagged !review in {target}:"]
    for path, why in draft.review:
        lines.append(f"  {path}")
        lines += textwrap.wrap(why, _WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 6)
    proposed = f"Proposed by pledge ({len(draft.proposed)}): " + ", ".join(
        path for path, _ in draft.proposed
    )
    lines += ["", *textwrap.wrap(proposed, _WIDTH, subsequent_indent="  ")]
    lines.append("")
    if written_to:
        lines.append(
            f"Wrote {written_to}. Decide each !review value, then run: "
            f"pledge policy check {written_to}"
        )
    else:
        lines.append("Decide each !review value, then run pledge policy check on the file.")
    return "\n".join(lines) + "\n"
