"""Writing the draft as YAML a person reads: comments above values, citations, review tags.

PyYAML cannot write comments, and a draft is mostly comments, so the draft is a small tree of
items written here by hand. Every scalar is written plain only where YAML reads the plain text
back as the same string; otherwise folded (long prose) or double-quoted with escapes. A value
the operator must decide is tagged ``!review``: ``pledge policy check`` refuses an unknown tag
with its line and column, so an unreviewed draft can never be used by mistake.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

import yaml

from pledge.policy.prose.text import Sentence

WIDTH = 100
REVIEW_TAG = "!review"
NOT_STATED = "not stated"


@dataclass(slots=True)
class Item:
    """One key of a mapping: its value and what the reader should know about it."""

    key: str
    value: Any  # a scalar, a list of scalars, a Mapping, or a list of Mappings
    cites: tuple[Sentence, ...] = ()
    review: str | None = None  # why the operator must decide; the value is then tagged
    note: str | None = None  # a remark: "proposed: ...", "pledge's own: ..."


@dataclass(slots=True)
class Mapping:
    items: list[Item] = field(default_factory=list)

    def add(self, key: str, value: Any, **kwargs: Any) -> Item:
        item = Item(key, value, **kwargs)
        self.items.append(item)
        return item


_NON_PRINTABLE = re.compile(
    "[^\x09\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)


_SPECIAL = re.compile(r":(?:\s|$)|\s#|^[-?:,\[\]{}#&*!|>'\"%@`]|^(?:---|\.\.\.)")
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


def _quoted(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)
    return _NON_PRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", body)


def _reads_back(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or _NON_PRINTABLE.search(text):
        return False
    if flow and re.search(r"[,\[\]{}]", text):
        return False
    if _SPECIAL.search(text):
        return False
    # What YAML would read the plain text as: a string only if no implicit type claims it.
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR


def scalar(value: Any, *, flow: bool = False) -> str:
    """A scalar on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if _reads_back(text, flow) else _quoted(text)


def _comment(text: str, pad: str, first: str = "# ", rest: str = "#   ") -> list[str]:
    width = max(40, WIDTH - len(pad) - len(first))
    lines = textwrap.wrap(" ".join(text.split()), width) or [""]
    return [pad + first + lines[0], *(pad + rest + line for line in lines[1:])]


def cite(sentence: Sentence) -> str:
    return f"[{sentence.start}-{sentence.end}] {sentence.text}"


def _comments(item: Item, pad: str) -> list[str]:
    lines: list[str] = []
    if item.note:
        lines += _comment(item.note, pad)
    if item.review:
        lines += _comment(f"REVIEW: {item.review}", pad)
    for sentence in item.cites:
        lines += _comment(cite(sentence), pad, "# ", "#     ")
    return lines


def _value_lines(item: Item, pad: str, lead: str) -> list[str]:
    """The key line(s) of a scalar or list item; ``lead`` is the text before the key."""
    head = f"{lead}{item.key}:"
    value = item.value
    if item.review is not None:
        shown = NOT_STATED if value is None else value
        if isinstance(shown, list):
            shown = ", ".join(str(v) for v in shown)
        return [f"{head} {REVIEW_TAG} {scalar(shown)}"]
    if isinstance(value, list):
        if not value:
            return [f"{head} []"]
        flow = "[" + ", ".join(scalar(v, flow=True) for v in value) + "]"
        if len(head) + len(flow) + 1 <= WIDTH:
            return [f"{head} {flow}"]
        lines = [head]
        for element in value:
            lines += _block(f"{pad}  -", element, f"{pad}    ")
        return lines
    return _block(head, value, f"{pad}  ")


def _block(head: str, value: Any, pad: str) -> list[str]:
    """``head`` and a scalar: on its line if it fits, else folded over lines under ``pad``."""
    if isinstance(value, str) and len(head) + len(value) + 2 > WIDTH:
        text = " ".join(value.split())
        width = max(40, WIDTH - len(pad))
        body = textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)
        if body and not _NON_PRINTABLE.search(text) and " ".join(body) == text:
            return [f"{head} >-", *(f"{pad}{line}" for line in body)]
    return [f"{head} {scalar(value)}"]


def render(mapping: Mapping, indent: int = 0) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in mapping.items:
        lines += _comments(item, pad)
        value = item.value
        if isinstance(value, Mapping) and item.review is None:
            lines.append(f"{pad}{item.key}:")
            lines += render(value, indent + 2)
        elif (
            isinstance(value, list)
            and value
            and isinstance(value[0], Mapping)
            and item.review is None
        ):
            lines.append(f"{pad}{item.key}:")
            for entry in value:
                lines += _entry(entry, indent + 2)
        else:
            lines += _value_lines(item, pad, pad)
    return lines


def _entry(entry: Mapping, indent: int) -> list[str]:
    """One mapping in a list: the first key follows '- ', the rest align under it."""
    pad = " " * indent
    inner = " " * (indent + 2)
    lines: list[str] = []
    for index, item in enumerate(entry.items):
        lines += _comments(item, pad if index == 0 else inner)
        lead = f"{pad}- " if index == 0 else inner
        value = item.value
        if isinstance(value, Mapping) and item.review is None:
            lines.append(f"{lead}{item.key}:")
            lines += render(value, indent + 4)
        else:
            lines += _value_lines(item, inner, lead)
    return lines


def header(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += _comment(line, "", "# ", "#   ") if line else ["#"]
    return out
