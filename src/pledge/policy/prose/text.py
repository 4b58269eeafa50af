"""Reading a prose notice: plain text, Markdown or HTML in, sentences with their place out.

Every sentence keeps the character offsets of its first and last character in the file as read,
so a citation in the draft points at the very words it came from, whatever markup surrounded
them. Markup is removed by building the clean text from pieces of the source: a piece copied
verbatim maps offset for offset, a piece that replaces markup (an entity, a joined line) maps
to the span it replaced.

Structure matters as much as words: a heading says what the sentences below it are about
("Cookies", "2.2 Web server logs"), a list item belongs to the sentence that introduces it, a
table row is one statement. Navigation, scripts and styles of an HTML page are dropped before
anything is read, and where a page marks its main content only that content is read.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

MAX_CHARS = 2_000_000
"""A privacy notice is a few pages; anything far larger is not one, and is refused as such."""


@dataclass(frozen=True, slots=True)
class Sentence:
    """One statement of the notice, as cited: clean text and where it stands in the file."""

    index: int
    text: str
    start: int
    end: int
    kind: str  # "heading", "text", "item" (of a list) or "row" (of a table)
    heading: str  # the nearest heading above, lowercased ("" before the first)
    block: int  # sentences of one paragraph, item or row share it
    norm: str = field(repr=False)  # lowercased and normalised, for matching only
    cells: tuple[str, ...] = ()  # a table row's cells
    header: tuple[str, ...] = ()  # the header row of its table, lowercased

    def __str__(self) -> str:
        return f"[{self.start}-{self.end}] {self.text}"


@dataclass(frozen=True, slots=True)
class Document:
    source: str
    form: str  # "text", "markdown" or "html"
    sentences: tuple[Sentence, ...]
    notes: tuple[str, ...]  # what reading did that the operator should know
    title: str | None = None  # an HTML <title>, when the page has one

    @property
    def words(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)


# --- building clean text from pieces of the source ------------------------------------------


@dataclass(slots=True)
class _Builder:
    """Clean text assembled from source pieces, mapping back to source offsets."""

    parts: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # clean offset of each piece
    origins: list[int] = field(default_factory=list)  # source offset of each piece
    spans: list[int] = field(default_factory=list)  # source length it stands for
    exact: list[bool] = field(default_factory=list)
    size: int = 0

    def add(self, text: str, origin: int, span: int | None = None) -> None:
        if not text:
            return
        exact = span is None
        self.starts.append(self.size)
        self.origins.append(origin)
        self.spans.append(len(text) if span is None else span)
        self.exact.append(exact)
        self.parts.append(text)
        self.size += len(text)

    def text(self) -> str:
        return "".join(self.parts)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets [first, last + 1) of clean characters [start, end)."""
        return self._at(start, first=True), self._at(end - 1, first=False)

    def _at(self, offset: int, *, first: bool) -> int:
        i = max(0, bisect.bisect_right(self.starts, offset) - 1)
        if self.exact[i]:
            return self.origins[i] + (offset - self.starts[i]) + (0 if first else 1)
        return self.origins[i] if first else self.origins[i] + self.spans[i]


@dataclass(slots=True)
class _Block:
    kind: str  # heading, text, item, row
    built: _Builder = field(default_factory=_Builder)
    cells: list[str] = field(default_factory=list)
    header_row: bool = False


# --- Markdown and plain text ------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)(?:[*+\-•▪◦·;]|\d{1,3}[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})*\.?\s+")
_TABLE_ROW = re.compile(r"^\s*\|")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SETEXT = re.compile(r"^\s*(?:=+|-+)\s*$")
_RULE = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<inner>.+?)\1\s*:?\s*$")
_SPEAKS = re.compile(r"\b(?:we|i|you|they|it|us|our)\b", re.IGNORECASE)
_INLINE = re.compile(
    r"!\[(?P<alt>[^\]]*)\]\([^)]*\)"
    r"|\[(?P<text>[^\]]+)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"
    r"|\[(?P<ref>[^\]]+)\]\[[^\]]*\]"
    r"|<(?P<auto>(?:https?://|mailto:)[^>\s]+|[^@<>\s]+@[^<>\s]+)>"
    r"|<!--.*?-->"
    r"|</?[A-Za-z][^<>]*>"
    r"|\*\*|\*|`"
    r"|\\(?P<esc>[\\`*_{}\[\]()#+\-.!|])"
    r"|&(?P<entity>#?[A-Za-z0-9]+);"
)


def _inline(built: _Builder, line: str, offset: int) -> None:
    """Add one line's text without Markdown's inline markup (links keep their words)."""
    at = 0
    for match in _INLINE.finditer(line):
        built.add(line[at : match.start()], offset + at)
        at = match.end()
        for name in ("alt", "text", "ref", "auto", "esc"):
            if match.group(name) is not None:
                built.add(match.group(name).removeprefix("mailto:"), offset + match.start(name))
                break
        else:
            if match.group("entity") is not None:
                raw = match.group(0)
                built.add(html.unescape(raw), offset + match.start(), len(raw))
    built.add(line[at:], offset + at)


def _is_heading_line(text: str, alone: bool) -> bool:
    """A title or section name written as a line of its own: short, no full stop, no speaker."""
    words = text.split()
    if not alone or not words or len(words) > 10 or text.rstrip()[-1] in ".!?:;,":
        return False
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8 and len(letters) > 3:
        return True
    first = text.lstrip()[0]
    return (first.isupper() or first.isdigit()) and not _SPEAKS.search(text)


def _markdown_blocks(source: str) -> list[_Block]:
    lines = source.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    blocks: list[_Block] = []
    paragraph: list[int] = []  # line numbers of the paragraph being gathered
    fenced = False
    front = 0  # YAML front matter of a static site generator ("---", title: ..., "---")
    if lines and lines[0].strip() == "---":
        front = next((n + 1 for n in range(1, len(lines)) if lines[n].strip() == "---"), 0)

    def flush() -> None:
        if not paragraph:
            return
        texts = [lines[n].strip() for n in paragraph]
        alone = len(paragraph) == 1
        address = len(paragraph) > 1 and all(
            len(t.split()) <= 6 and t[-1:] not in ".!?" for t in texts
        )
        if address:  # a postal address or a signature: each line stands alone
            for n in paragraph:
                blocks.append(_line_block("text", lines[n], offsets[n]))
        else:
            kind = "heading" if _is_heading_line(texts[0], alone) else "text"
            block = _Block(kind)
            for i, n in enumerate(paragraph):
                if i:
                    block.built.add(" ", offsets[n] - 1, 1)
                _inline(block.built, lines[n], offsets[n])
            blocks.append(block)
        paragraph.clear()

    for n, line in enumerate(lines):
        if n < front:
            continue
        if _FENCE.match(line):
            flush()
            fenced = not fenced
            continue
        if fenced:
            continue
        if not line.strip() or _RULE.match(line) or _REF_DEF.match(line):
            flush()
            continue
        if _SETEXT.match(line) and len(paragraph) == 1:
            # The line above is a heading underlined with === or ---.
            only = paragraph.pop()
            blocks.append(_line_block("heading", lines[only], offsets[only]))
            continue
        heading = _MD_HEADING.match(line)
        bold = _BOLD_LINE.match(line)
        if heading or (bold and not paragraph):
            flush()
            start = heading.start(2) if heading else bold.start("inner")  # type: ignore[union-attr]
            text = heading.group(2) if heading else bold.group("inner")  # type: ignore[union-attr]
            blocks.append(_line_block("heading", text, offsets[n] + start))
            continue
        if _TABLE_ROW.match(line):
            flush()
            if not _TABLE_RULE.match(line):
                blocks.append(_row_block(line, offsets[n], after=blocks[-1] if blocks else None))
            continue
        bullet = _BULLET.match(line)
        numbered_heading = (
            bullet
            and _NUMBERED.match(line)
            and _is_heading_line(line.strip(), _alone(lines, n))
            and not paragraph
        )
        if bullet and not numbered_heading:
            flush()
            block = _Block("item")
            _inline(block.built, line[bullet.end() :], offsets[n] + bullet.end())
            blocks.append(block)
            continue
        if blocks and blocks[-1].kind == "item" and not paragraph and n and lines[n - 1].strip():
            blocks[-1].built.add(" ", offsets[n] - 1, 1)  # a list item's continuation line
            _inline(blocks[-1].built, line, offsets[n])
            continue
        if line.lstrip().startswith(">"):
            stripped = line.lstrip()[1:]
            paragraph.append(n)
            lines[n] = " " * (len(line) - len(stripped)) + stripped
            continue
        paragraph.append(n)
    flush()
    return blocks


def _alone(lines: list[str], n: int) -> bool:
    before = n == 0 or not lines[n - 1].strip()
    after = n + 1 >= len(lines) or not lines[n + 1].strip()
    return before and after


def _line_block(kind: str, line: str, offset: int) -> _Block:
    block = _Block(kind)
    lead = len(line) - len(line.lstrip())
    _inline(block.built, line.strip(), offset + lead)
    return block


def _row_block(line: str, offset: int, after: _Block | None) -> _Block:
    block = _Block("row")
    block.header_row = after is None or after.kind != "row"
    cells: list[tuple[int, str]] = []
    at = 0
    for part in line.split("|"):
        cells.append((at, part))
        at += len(part) + 1
    if cells and not cells[0][1].strip():
        cells = cells[1:]  # before the leading '|'
    if cells and not cells[-1][1].strip():
        cells = cells[:-1]  # after the trailing '|'
    for i, (at, part) in enumerate(cells):
        if i:
            block.built.add(" | ", offset + at - 1, 1)
        before = block.built.size
        lead = len(part) - len(part.lstrip())
        _inline(block.built, part.strip(), offset + at + lead)
        block.cells.append(" ".join(block.built.text()[before:].split()))
    return block


# --- HTML -----------------------------------------------------------------------------------

_SKIP = {"script", "style", "noscript", "template", "svg", "nav", "head", "iframe", "object",
         "canvas", "button", "select", "form", "math", "dialog"}  # fmt: skip
_SKIP_ROLES = {"navigation", "menu", "menubar", "search", "banner", "dialog", "alertdialog"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
           "pre", "ul", "ol", "dl", "dd", "table", "thead", "tbody", "tfoot", "address",
           "figure", "figcaption", "details", "summary", "body", "html", "center"}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6", "dt", "caption"}
_STRONG = {"b", "strong"}


class _HtmlReader(HTMLParser):
    """Blocks of an HTML page, with source offsets, leaving out what is not content."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self._line_starts = [0]
        for match in re.finditer("\n", source):
            self._line_starts.append(match.end())
        self.blocks: list[_Block] = []
        self.in_main: list[bool] = []
        self.title: str | None = None
        self.skipped = 0
        self._block: _Block | None = None
        self._skip: list[str] = []
        self._main = 0
        self._title: list[str] | None = None
        self._strong = 0
        self._plain = 0  # characters of the current block outside <b>/<strong>
        self._cell = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _flush(self) -> None:
        block = self._block
        self._block = None
        if block is None or not block.built.text().strip():
            return
        if block.kind == "text" and not self._plain and len(block.built.text().split()) <= 12:
            block.kind = "heading"  # a paragraph that is wholly bold names a section
        self.blocks.append(block)
        self.in_main.append(self._main > 0)

    def _open(self, kind: str) -> None:
        current = self._block
        empty = current is not None and not current.built.text().strip()
        if kind == "text" and empty and current.kind in ("item", "heading", "row"):  # type: ignore[union-attr]
            return  # <li><p>...</p></li>: the paragraph is the item
        self._flush()
        self._block = _Block(kind)
        self._plain = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip[-1] and tag not in _VOID:
                self._skip.append(tag)
            return
        named = dict(attrs)
        hidden = named.get("aria-hidden") == "true" or "hidden" in named
        if tag in _SKIP or named.get("role") in _SKIP_ROLES or hidden:
            if tag not in _VOID:
                self._skip.append(tag)
                self.skipped += 1
            return
        if tag == "title":
            self._title = []
        elif tag in ("main", "article") or named.get("role") == "main":
            self._main += 1
            self._open("text")
        elif tag in _HEADINGS:
            self._open("heading")
        elif tag == "li":
            self._open("item")
        elif tag == "tr":
            previous = self.blocks[-1] if self.blocks else None
            self._open("row")
            self._block.header_row = previous is None or previous.kind != "row"  # type: ignore[union-attr]
        elif tag in ("td", "th"):
            if self._block is None or self._block.kind != "row":
                self._open("row")
            elif self._block.cells:
                self._block.built.add(" | ", self._offset(), 0)
            self._block.cells.append("")  # type: ignore[union-attr]
            self._cell = True
        elif tag == "br":
            if self._block is not None:
                self._block.built.add(" ", self._offset(), 0)
        elif tag in _BLOCKS or tag == "hr":
            self._open("text")
        elif tag in _STRONG:
            self._strong += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.pop()
            return
        if tag == "title" and self._title is not None:
            self.title = " ".join("".join(self._title).split()) or None
            self._title = None
        elif tag in ("main", "article") and self._main:
            self._flush()
            self._main -= 1
        elif tag in _HEADINGS or tag in ("li", "tr") or tag in _BLOCKS:
            self._flush()
        elif tag in ("td", "th"):
            self._cell = False
        elif tag in _STRONG and self._strong:
            self._strong -= 1

    def _text(self, text: str, origin: int, span: int | None = None) -> None:
        if self._skip:
            return
        if self._title is not None:
            self._title.append(text)
            return
        if self._block is None:
            self._open("text")
        block = self._block
        assert block is not None
        block.built.add(text, origin, span)
        if self._cell and block.cells:
            block.cells[-1] += text
        if not self._strong:
            self._plain += len(text.strip())

    def handle_data(self, data: str) -> None:
        self._text(data, self._offset())

    def handle_entityref(self, name: str) -> None:
        raw = f"&{name};"
        self._text(html.unescape(raw), self._offset(), len(raw))

    def handle_charref(self, name: str) -> None:
        raw = f"&#{name};"
        self._text(html.unescape(raw), self._offset(), len(raw))

    def close(self) -> None:
        super().close()
        self._flush()


def _html_blocks(source: str) -> tuple[list[_Block], str | None, int]:
    reader = _HtmlReader(source)
    reader.feed(source)
    reader.close()
    blocks = reader.blocks
    if any(reader.in_main):
        blocks = [b for b, inside in zip(blocks, reader.in_main, strict=True) if inside]
    for block in blocks:
        block.cells = [" ".join(c.split()) for c in block.cells]
    return blocks, reader.title, reader.skipped


# --- sentences --------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "no",
        "nos",
        "art",
        "arts",
        "sect",
        "sec",
        "para",
        "paras",
        "lit",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "approx",
        "incl",
        "esp",
        "fig",
        "cf",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "ca",
        "jr",
        "sr",
        "dept",
        "ref",
        "tel",
        "ph",
        "pp",
        "vol",
        "ch",
        "nr",
        "abs",
        "u.s",
        "u.k",
        "s.a",
        "p.o",
        "op",
        "ed",
        "eds",
        "est",
        "min",
        "max",
        "resp",
    ]
)
_CLOSE = "\"'\u201d\u2019)\\]"  # what may follow a full stop: closing quotes, brackets
_OPEN = "\"'\u201c\u2018(\\["  # what may open the next sentence
_BOUNDARY = re.compile(rf"[.!?]+[{_CLOSE}]*\s+(?=[{_OPEN}]?[A-Z0-9])")
_LAST_WORD = re.compile(rf"([A-Za-z][A-Za-z.]*)\.+[{_CLOSE}]*\s+$")
_HYPHENS = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_NORMAL_FORMS = (
    (re.compile(r"\be-mail"), "email"),
    (re.compile(r"\b3rd[ -]part"), "third part"),
    (re.compile(r"\bthird-part"), "third part"),
    (re.compile(r"\s+"), " "),
)


def normalise(text: str) -> str:
    """Lowercase text with one spelling of quotes, hyphens, 'email' and 'third party'."""
    text = _HYPHENS.sub("-", text.translate(_QUOTES).lower())
    for pattern, replacement in _NORMAL_FORMS:
        text = pattern.sub(replacement, text)
    return text.strip()


def _splits(text: str) -> list[tuple[int, int]]:
    """Sentence spans of one block's text, not splitting after 'e.g.', 'Art.' or initials."""
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[max(start, match.start() - 40) : match.end()]
        word = _LAST_WORD.search(before)
        if word:
            token = word.group(1).lower()
            if token in _ABBREVIATIONS or len(token) == 1 or "." in token.strip("."):
                continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _sentences(blocks: list[_Block]) -> list[Sentence]:
    sentences: list[Sentence] = []
    heading = ""
    header: tuple[str, ...] = ()
    for number, block in enumerate(blocks):
        text = block.built.text()
        if block.kind == "row":
            cells = tuple(block.cells)
            if block.header_row:
                header = tuple(c.lower() for c in cells)
        spans = [(0, len(text))] if block.kind in ("heading", "row") else _splits(text)
        for start, end in spans:
            piece = text[start:end]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            start, end = start + lead, end - trail
            if start >= end:
                continue
            clean = " ".join(text[start:end].split())
            if not any(c.isalnum() for c in clean):
                continue
            source_start, source_end = block.built.source_span(start, end)
            sentences.append(
                Sentence(
                    index=len(sentences),
                    text=clean,
                    start=source_start,
                    end=source_end,
                    kind=block.kind,
                    heading=heading,
                    block=number,
                    norm=normalise(clean),
                    cells=tuple(block.cells) if block.kind == "row" else (),
                    header=header if block.kind == "row" else (),
                )
            )
        if block.kind == "heading":
            heading = normalise(" ".join(text.split()))
    return sentences


def looks_like_html(source: str, suffix: str) -> bool:
    if suffix in (".html", ".htm", ".xhtml"):
        return True
    head = source.lstrip()[:512].lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def read(source: str, suffix: str = ".txt") -> Document:
    """The notice's sentences. ``suffix`` names the format: '.html', '.md' or anything else."""
    notes: list[str] = []
    if looks_like_html(source, suffix.lower()):
        blocks, title, skipped = _html_blocks(source)
        if skipped:
            notes.append(
                f"left out {skipped} part{'s' if skipped != 1 else ''} of the page that are not "
                "content (scripts, styles, navigation, forms)"
            )
        return Document(source, "html", tuple(_sentences(blocks)), tuple(notes), title)
    form = "markdown" if suffix.lower() in (".md", ".markdown") else "text"
    return Document(source, form, tuple(_sentences(_markdown_blocks(source))), tuple(notes))
