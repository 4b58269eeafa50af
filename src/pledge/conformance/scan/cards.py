"""Card numbers found in stored text, shown the way a receipt shows them.

A finding never repeats the number: the report names the scheme and the last four digits,
which is enough to find the record again and says nothing a thief could use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pledge.vault.cards import find_card_numbers


@dataclass(frozen=True, slots=True)
class CardFound:
    where: str
    group: str
    scheme: str
    last4: str
    digits: int

    def words(self) -> str:
        return f"a {self.scheme} card number ending {self.last4} ({self.digits} digits)"


def cards_in(text: str, *, where: str, group: str) -> list[CardFound]:
    found = []
    for match in find_card_numbers(text):
        digits = re.sub(r"\D", "", text[match.start : match.end])
        found.append(CardFound(where, group, match.scheme, digits[-4:], len(digits)))
    return found
