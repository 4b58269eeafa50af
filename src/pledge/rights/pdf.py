"""A plain-text letter as a PDF, written by hand: PDF 1.4, the built-in Helvetica, A4.

A letter is a few dozen lines of text, and every PDF reader has Helvetica built in, so no font
is embedded and no library is needed: a catalog, a page tree, one font, and per page a content
stream of lines. Text is encoded as WinAnsi (Windows-1252), which Helvetica covers; a character
it cannot show (such as Japanese) prints as "?", and the text letter beside the PDF keeps it.
"""

from __future__ import annotations

import textwrap

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 64
FONT_SIZE, LEADING = 11, 15
COLUMNS = 86  # characters of Helvetica 11pt in the text width, with room to spare
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING


def _literal(line: str) -> bytes:
    """A PDF literal string, ASCII only: WinAnsi bytes above 126 written as octal escapes."""
    out = bytearray(b"(")
    for byte in line.encode("cp1252", errors="replace"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out + b")")


def _lines(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        indent = len(paragraph) - len(paragraph.lstrip(" "))
        wrapped = textwrap.wrap(
            paragraph,
            COLUMNS,
            subsequent_indent=" " * (indent + (2 if paragraph.lstrip().startswith("- ") else 0)),
            break_long_words=True,
        )
        lines.extend(wrapped or [""])
    return lines


def _content(lines: list[str]) -> bytes:
    top = PAGE_HEIGHT - MARGIN - FONT_SIZE
    parts = [b"BT", b"/F1 %d Tf" % FONT_SIZE, b"%d TL" % LEADING, b"%d %d Td" % (MARGIN, top)]
    for line in lines:
        parts.append(_literal(line) + b" Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts)


def text_pdf(text: str, *, title: str = "") -> bytes:
    """``text`` laid out on as many A4 pages as it needs."""
    lines = _lines(text)
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    # Objects: 1 catalog, 2 page tree, 3 font, 4 info, then a (page, content) pair per page.
    first_page = 5
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _literal(title) + b" /Producer (pledge) >>",
    ]
    for index, page in enumerate(pages):
        content = _content(page)
        contents_id = first_page + 2 * index + 1
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (PAGE_WIDTH, PAGE_HEIGHT, contents_id)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f\r\n"
    for offset in offsets:
        out += b"%010d 00000 n\r\n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
