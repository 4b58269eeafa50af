"""Text in whatever encoding a mail client chose, or claimed to choose.

Mail to a Japanese business arrives in UTF-8, ISO-2022-JP, Shift_JIS and EUC-JP, sometimes
labelled with the wrong one or with a name no codec has. The declared charset is tried first;
when it is unknown or does not fit the bytes, the likely others are tried strictly, and only
then is the text read with replacement characters. Each fallback is noted, so the import report
can say which message was read how.
"""

from __future__ import annotations

import codecs
import re

# Characters real text rarely holds, which a wrong guess between Japanese encodings produces:
# half-width katakana, private-use code points, C0 and C1 controls other than line breaks.
_UNLIKELY = re.compile("[\uff61-\uff9f\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f]")
_ISO_2022_JP = re.compile(rb"\x1b\$[@B]|\x1b\(J")
_SURROGATE = re.compile("[\ud800-\udfff]")


def known_charset(name: str | None) -> str | None:
    """The codec's name for ``name``, or None when there is no such codec."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


def decode(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """``data`` as text, and a note when it could not be read as declared (else None)."""
    charset = known_charset(declared)
    if charset is not None:
        try:
            return clean(data.decode(charset)), None
        except UnicodeDecodeError:
            problem = f"text not valid as its declared charset {_label(declared)}"
        except Exception:  # a few codecs raise other errors on bad input
            problem = f"text not readable as its declared charset {_label(declared)}"
    elif declared:
        problem = f"unknown charset {_label(declared)}"
    else:
        problem = ""
    chosen = _guess(data, skip=charset)
    if chosen is None:
        return clean(data.decode("latin-1")), f"{problem or 'no charset'}: read as latin-1"
    name, text = chosen
    if not problem and name in ("utf-8", "iso-2022-jp") and data.isascii():
        return clean(text), None  # plain ASCII with no label: nothing to report
    note = f"{problem}: read as {name}" if problem else f"no charset: read as {name}"
    return clean(text), note


def _guess(data: bytes, *, skip: str | None) -> tuple[str, str] | None:
    """The likeliest of the fallback charsets that decode ``data`` without error.

    ISO-2022-JP is recognised by its escapes and UTF-8 is all but never decodable by accident,
    so either wins outright. Shift_JIS and EUC-JP often both decode the same bytes; the one
    giving fewer unlikely characters (half-width katakana, private-use, control) wins.
    """
    first = ("iso-2022-jp",) if _ISO_2022_JP.search(data) else ()
    for name in (*first, "utf-8"):
        if name != skip and (text := _strict(data, name)) is not None:
            return name, text
    japanese = [
        (_unlikely(text), order, name, text)
        for order, name in enumerate(("cp932", "euc-jp"))
        if name != skip and (text := _strict(data, name)) is not None
    ]
    if japanese:
        _, _, name, text = min(japanese)
        return name, text
    if skip != "cp1252" and (text := _strict(data, "cp1252")) is not None:
        return "cp1252", text
    return None


def _strict(data: bytes, name: str) -> str | None:
    try:
        return data.decode(name)
    except UnicodeDecodeError:
        return None


def _unlikely(text: str) -> int:
    return len(_UNLIKELY.findall(text))


def header_text(value: str) -> str:
    """A raw header value as text: 8-bit bytes (kept as surrogates by the parser) decoded."""
    if not _SURROGATE.search(value):
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return clean(value)
    return decode(raw, None)[0]


def clean(text: str) -> str:
    """Text that can be stored: no lone surrogates, which UTF-8 cannot encode."""
    return _SURROGATE.sub("\ufffd", text)


def _label(name: str | None) -> str:
    """A charset label fit for a report: short, and only the characters labels use."""
    label = re.sub(r"[^A-Za-z0-9_.:+-]", "?", (name or "")[:40])
    return repr(label)
