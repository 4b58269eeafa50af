"""Addresses in From, To and Cc: who an email is about.

Parsed with the standard library's RFC 5322 parser, which tells a display name from an address,
so ``"kaori@example.jp via Forum" <forum@example.org>`` yields the forum's address and never
Kaori's: a wrong link would file someone's mail under another person. Whatever the header holds,
this module does not raise; what is not a plausible internet address is left out.
"""

from __future__ import annotations

import re
from email import policy as email_policy

# Longest header value parsed; beyond it only the first part is read (a To of ten thousand
# recipients is not correspondence with any of them, and parsing it would take seconds).
MAX_HEADER = 64 * 1024

_SPECIALS = r'\s\x00-\x1f\x7f@<>()\[\],;:"\\'
_ADDRESS = re.compile(
    rf"[^{_SPECIALS}]{{1,64}}@(?=.{{1,253}}$)[^{_SPECIALS}.]+(?:\.[^{_SPECIALS}.]+)+", re.DOTALL
)
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
# The common forms, ``Kaori Sato <kaori@example.jp>`` and ``kaori@example.jp``, with nothing
# in them that needs the full parser (quotes, comments, encoded words, commas, groups).
_SIMPLE = re.compile(
    r"\s*(?:(?P<name>[A-Za-z0-9 .'_-]*?)\s*<(?P<angle>[^<>\s]+)>"
    r"|(?P<bare>[^\s<>\",;:()\[\]\\]+))\s*"
)


def unfold(value: str) -> str:
    """One logical line: folding removed, stray line breaks turned into spaces."""
    return _FOLD.sub("", value).replace("\r", " ").replace("\n", " ")


def valid_address(address: str) -> bool:
    """An ``local@domain.tld`` address with nothing that cannot belong in one."""
    return len(address) <= 320 and _ADDRESS.fullmatch(address) is not None


def parse_address_header(value: str) -> tuple[list[str], list[str]]:
    """(addresses, display forms) in one address header; never raises.

    Display forms (``Kaori Sato <kaori@example.jp>``) are what the archive shows; addresses are
    what links the message to people.
    """
    value = unfold(value)[:MAX_HEADER]
    simple = _SIMPLE.fullmatch(value)
    if simple is not None and "=?" not in value:
        address = simple["angle"] or simple["bare"]
        if valid_address(address):
            name = (simple["name"] or "").strip()
            return [address], [f"{name} <{address}>" if name else address]
    try:
        header = email_policy.default.header_factory("To", value)
        found = [(a.addr_spec, str(a)) for a in header.addresses]  # type: ignore[attr-defined]
    except Exception:
        found = _without_names(value)
    addresses, shown = [], []
    for address, display in found:
        address = address.strip()
        if valid_address(address):
            addresses.append(address)
            shown.append(_printable(display))
    return addresses, shown


def _without_names(value: str) -> list[tuple[str, str]]:
    """Addresses when the display names are what the parser cannot take.

    Encoded words (RFC 2047) can only be names or comments, never an address, and a name that
    decodes to a line break makes the standard parser raise; with each encoded word replaced
    by a plain word the addresses parse as before, shown without their names. As a last
    resort, the addresses in angle brackets.
    """
    try:
        header = email_policy.default.header_factory("To", _ENCODED_WORD.sub("name", value))
        return [(a.addr_spec, a.addr_spec) for a in header.addresses]  # type: ignore[attr-defined]
    except Exception:  # the parser has had crashes on hostile input
        return [(m, m) for m in re.findall(r"<([^<>\s]+)>", value)]


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text)
