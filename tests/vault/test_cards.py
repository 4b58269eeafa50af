"""Card numbers are recognised by scheme prefix, length and Luhn; barcodes are not cards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.vault.cards import (
    card_scheme,
    ean13_valid,
    find_card_numbers,
    luhn_valid,
    redact_card_numbers,
)

CARDS = {
    "4111111111111111": "Visa",
    "4111 1111 1111 1111": "Visa",
    "4111-1111-1111-1111": "Visa",
    "5500005555555559": "Mastercard",
    "2223003122003222": "Mastercard",
    "378282246310005": "American Express",
    "3530111333300000": "JCB",
    "6011111111111117": "Discover",
    "30569309025904": "Diners Club",
    "6759649826438453": "Maestro",
}


@pytest.mark.clause("JC5")
@pytest.mark.parametrize(("number", "scheme"), CARDS.items())
def test_real_scheme_numbers_are_recognised(number, scheme):
    assert card_scheme(number) == scheme


@pytest.mark.clause("JC5")
@pytest.mark.parametrize(
    "barcode",
    ["4901234567894", "4902102072618", "4549980412343", "9784003101018"],
)
def test_jan_and_ean13_barcodes_are_not_card_numbers(barcode):
    assert ean13_valid(barcode)
    assert card_scheme(barcode) is None
    assert find_card_numbers(f"JAN {barcode} Kewpie mayonnaise 500g") == []


@pytest.mark.parametrize(
    "number",
    ["4111111111111112", "1234567890123456", "9111111111111111", "41111111111", "0" * 16],
)
def test_wrong_checksum_unknown_prefix_or_length_is_not_a_card(number):
    assert card_scheme(number) is None


@pytest.mark.clause("JC5")
def test_redaction_removes_every_card_number_and_counts_them():
    text = "Pay with 4111 1111 1111 1111 or 5500-0055-5555-5559, order JC-1234, tel 03 1234 5678."
    redacted, count = redact_card_numbers(text)
    assert count == 2
    assert "4111" not in redacted and "5559" not in redacted
    assert redacted.count("[card number removed]") == 2
    assert "JC-1234, tel 03 1234 5678." in redacted


def test_a_number_inside_a_longer_digit_run_is_not_taken():
    assert find_card_numbers("ref 44111111111111111111 end") == []


@given(st.text(alphabet="0123456789 -", max_size=60))
def test_redaction_leaves_no_recognisable_card_number(text):
    redacted, _ = redact_card_numbers(text)
    assert find_card_numbers(redacted) == []


def test_luhn_known_vectors():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


@pytest.mark.clause("JC5")
@given(st.sampled_from(["45", "49"]), st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_no_jan_barcode_is_ever_taken_for_a_card(prefix, body):
    stem = prefix + body
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(stem))
    barcode = stem + str((10 - weighted % 10) % 10)
    assert card_scheme(barcode) is None
