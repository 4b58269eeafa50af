"""Drafting a policy file from a prose privacy notice (``pledge policy import``).

The pipeline is plain and offline: read the notice into sentences that remember their place in
the file (``text``), let one reader per field find the sentences that settle it (``about``,
``data``, ``cookies``, ``retention``, ``sharing``, ``practices``), then write a draft policy in
which every value cites its sentence and every point the notice leaves open is marked
``!review`` (``draft``), and a summary for the terminal (``report``).

Rules, not a statistical model: a notice is short, its language formulaic, and an operator must
be able to see why each value was drafted. Each reader's vocabulary is general notice English;
nothing is tuned to one notice. Measured on eleven labelled real notices: see
docs/benchmarks.md.

Bad input is reported, never drafted from: an empty file, a page with no text once scripts and
navigation are gone, a notice not in English, or a text with no privacy content (terms of
service) gets a report of what was and was not found, and no draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pledge.policy.prose.about import read_about
from pledge.policy.prose.cookies import read_cookies
from pledge.policy.prose.data import read_categories
from pledge.policy.prose.draft import Draft, write_draft
from pledge.policy.prose.facts import Status, clear_caches
from pledge.policy.prose.findings import Findings
from pledge.policy.prose.practices import read_practices
from pledge.policy.prose.retention import read_retention
from pledge.policy.prose.sharing import read_sharing
from pledge.policy.prose.text import MAX_CHARS, Document, read

__all__ = ["Draft", "Import", "extract", "import_file", "import_text"]

_ENGLISH = frozenset(
    re.findall(
        r"\w+",
        "the of and to a in is that for it as with be by on not this are or your you we our from "
        "at an will which have has any may can if us all data information personal",
    )
)
"""Common English words: in English prose they are about half of all words."""
_PRIVACY = re.compile(
    r"\b(?:personal (?:data|information|details)|privacy|data protection|gdpr|cookies?|"
    r"collect\w*|your (?:data|information|details)|ip address(?:es)?|email address(?:es)?)\b"
)
_TERMS = re.compile(
    r"\b(?:terms (?:of (?:service|use)|and conditions)|liabilit\w+|warrant(?:y|ies)|indemnif\w+|"
    r"governing law|intellectual property|disclaim\w*|licen[cs]e|arbitration|jurisdiction)\b"
)


@dataclass(frozen=True, slots=True)
class Import:
    """The outcome of importing one notice: what was found, and the draft if there is one."""

    source: str  # the file name, for messages
    document: Document | None
    findings: Findings | None
    draft: Draft | None  # None where the input could not be drafted from
    problems: tuple[str, ...] = ()  # why there is no draft
    notes: tuple[str, ...] = field(default=())


def extract(document: Document) -> Findings:
    """Every field the notice settles, with the sentences it rests on."""
    clear_caches()
    found = Findings()
    read_about(document, found)
    categories, purposes = read_categories(document)
    found.categories = tuple(categories)
    found.purposes_listed = purposes
    found.cookies = read_cookies(document, found)
    found.retention = read_retention(document, categories)
    found.sharing = read_sharing(document, found)
    read_practices(document, found)
    return found


def _refusal(document: Document, found: Findings) -> str | None:
    """Why this text should not be drafted from, or None."""
    words = re.findall(r"[a-z']+", " ".join(s.norm for s in document.sentences))
    if not words:
        return None
    english = sum(w in _ENGLISH for w in words) / len(words)
    if len(words) >= 12 and english < 0.12:
        return (
            f"the text does not read as English (only {english:.0%} of its words are common "
            "English words); pledge drafts from English notices only"
        )
    text = " ".join(s.norm for s in document.sentences)
    privacy = len(_PRIVACY.findall(text))
    terms = len(_TERMS.findall(text))
    touched = (
        found.cookies.used,
        found.sharing.verdict,
        found.cards,
        found.passwords,
        found.marketing,
        found.statistics,
    )
    settled = sum(fact.status is not Status.NOT_STATED for fact in touched)
    settled += found.retention.stated + bool(found.sharing.exceptions)
    if privacy == 0 or (settled == 0 and privacy < 3) or (terms > 2 * privacy and settled < 2):
        kind = "terms of service or another legal text" if terms else "some other text"
        return (
            f"no privacy content found: this reads as {kind} ({privacy} mention"
            f"{'s' if privacy != 1 else ''} of personal data, privacy or cookies; {terms} of "
            "terms, liability and the like), not a privacy notice"
        )
    return None


def import_text(text: str, *, source: str = "notice", suffix: str = ".txt") -> Import:
    """Draft a policy from a notice's text. Never raises on any text."""
    if len(text) > MAX_CHARS:
        return Import(
            source,
            None,
            None,
            None,
            (
                f"the file has {len(text):,} characters; a privacy notice has far fewer (at most "
                f"{MAX_CHARS:,} are read)",
            ),
        )
    if not text.strip():
        return Import(source, None, None, None, ("the notice is empty",))
    document = read(text, suffix)
    if not document.sentences:
        reason = (
            "no text is left once scripts, styles and navigation are removed"
            if document.form == "html"
            else "the notice has no text"
        )
        return Import(source, document, None, None, (reason,), document.notes)
    found = extract(document)
    refusal = _refusal(document, found)
    if refusal:
        return Import(source, document, found, None, (refusal,), document.notes)
    return Import(source, document, found, write_draft(document, found, source), (), document.notes)


def import_file(path: Path) -> Import:
    """Read a notice file (.txt, .md, .html) and draft from it. Never raises on file content."""
    source = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Import(source, None, None, None, (f"{path}: no such file",))
    except IsADirectoryError:
        return Import(source, None, None, None, (f"{path}: a directory, not a notice",))
    except OSError as exc:
        return Import(source, None, None, None, (f"{path}: cannot be read ({exc.strerror})",))
    if b"\x00" in raw[:4096]:
        return Import(source, None, None, None, (f"{path}: a binary file, not a text notice",))
    notes: tuple[str, ...] = ()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        notes = ("the file is not UTF-8; it was read as Windows-1252",)
    result = import_text(text, source=source, suffix=path.suffix)
    return Import(
        result.source,
        result.document,
        result.findings,
        result.draft,
        result.problems,
        (*notes, *result.notes),
    )
