"""Card numbers out of mail before it is stored (JC5).

Text (bodies, subjects) gets the vault's marker in place of each number. Attachments are bytes
whose layout may matter (a PDF's cross-reference table counts bytes), so each digit of a card
number there becomes ``X`` and every other byte stays where it was. Bytes are read as Latin-1,
one character per byte, which finds numbers written in any ASCII-compatible encoding (UTF-8,
Shift_JIS, EUC-JP, Latin-1) and in uncompressed document formats. Numbers inside compressed
streams or images cannot be seen this way; the import report does not claim otherwise.
"""

from __future__ import annotations

import re

from pledge.vault.cards import find_card_numbers, redact_card_numbers

_RUN = re.compile(rb"[0-9][0-9 -]{11,}")


def redact_text(text: str) -> tuple[str, int]:
    return redact_card_numbers(text)


def redact_bytes(data: bytes) -> tuple[bytes, int]:
    """``data`` with the digits of every card number replaced by ``X``; and how many.

    A quick scan for runs of twelve or more digits, spaces and hyphens finds the candidates
    (rare in binary data), and only those are checked, so a 50 MB scan takes a fraction of a
    second rather than a regular-expression walk over every byte.
    """
    redacted: bytearray | None = None
    count = 0
    for run in _RUN.finditer(data):
        start = max(0, run.start() - 1)  # one byte of context, as the full-text check has
        segment = data[start : run.end()].decode("latin-1")
        for match in find_card_numbers(segment):
            redacted = redacted if redacted is not None else bytearray(data)
            for index in range(start + match.start, start + match.end):
                if 48 <= redacted[index] <= 57:
                    redacted[index] = ord("X")
            count += 1
    return (bytes(redacted) if redacted is not None else data), count
