"""Card numbers (JC5): recognised so that they can be refused or redacted, never stored.

A card number is a run of 12 to 19 digits (spaces or hyphens allowed between them) that starts
with a real card scheme's issuer prefix, has a length that scheme issues, and passes the Luhn
check. Product barcodes are not card numbers: a 13-digit run that is a valid EAN-13 (JAN codes
start 45 or 49) is a barcode, and no scheme still issues 13-digit cards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (scheme, issuer prefix ranges as (low, high) over the first n digits, lengths)
_SCHEMES: tuple[tuple[str, tuple[tuple[int, int], ...], frozenset[int]], ...] = (
    ("American Express", ((34, 34), (37, 37)), frozenset({15})),
    ("Diners Club", ((300, 305), (36, 36), (38, 39)), frozenset(range(14, 20))),
    ("JCB", ((3528, 3589),), frozenset(range(16, 20))),
    ("Visa", ((4, 4),), frozenset({16, 19})),
    ("Mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    ("Maestro", ((5018, 5018), (5020, 5020), (5038, 5038), (5893, 5893), (6304, 6304),
                 (6759, 6759), (6761, 6763)), frozenset(range(12, 20))),
    ("Discover", ((6011, 6011), (644, 649), (65, 65), (622126, 622925)), frozenset(range(16, 20))),
    ("UnionPay", ((62, 62),), frozenset(range(16, 20))),
)  # fmt: skip

_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d])")


@dataclass(frozen=True, slots=True)
class CardMatch:
    start: int
    end: int
    scheme: str


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def ean13_valid(digits: str) -> bool:
    if len(digits) != 13:
        return False
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - weighted % 10) % 10 == int(digits[12])


def card_scheme(value: str) -> str | None:
    """The scheme whose card number ``value`` is, or None. Spaces and hyphens are ignored."""
    digits = re.sub(r"[ -]", "", value)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return None
    if ean13_valid(digits):
        return None
    for scheme, prefixes, lengths in _SCHEMES:
        if len(digits) not in lengths:
            continue
        for low, high in prefixes:
            width = len(str(low))
            if low <= int(digits[:width]) <= high and luhn_valid(digits):
                return scheme
    return None


def find_card_numbers(text: str) -> list[CardMatch]:
    found = []
    for match in _CANDIDATE.finditer(text):
        scheme = card_scheme(match.group())
        if scheme is not None:
            found.append(CardMatch(match.start(), match.end(), scheme))
    return found


def redact_card_numbers(text: str) -> tuple[str, int]:
    """``text`` with every card number replaced by a marker; and how many there were."""
    matches = find_card_numbers(text)
    for match in reversed(matches):
        text = f"{text[: match.start]}[card number removed]{text[match.end :]}"
    return text, len(matches)
