"""The two statements payments arrive on: a PayPal activity download and a bank statement.

Both in the layouts ``pledge payments import`` reads as they come (``pledge.shop.ledger``).
PayPal rows carry the order reference in the invoice number, as a PayPal invoice does, and the
monthly withdrawal to the bank (money out, which the import lists as skipped). Bank rows carry
the payer as a Japanese bank prints it (half-width katakana) and the reference the customer
typed, or, now and then, none: those stay unmatched until the operator matches them by hand.
Money out of the bank (rent, postage) is there too, and skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import string
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pledge.demo.history import History
from pledge.demo.story import OrderStory

PAYPAL_COLUMNS = [
    "Date",
    "Time",
    "TimeZone",
    "Name",
    "Type",
    "Status",
    "Currency",
    "Gross",
    "Fee",
    "Net",
    "From Email Address",
    "To Email Address",
    "Transaction ID",
    "Item Title",
    "Invoice Number",
    "Reference Txn ID",
    "Balance Impact",
    "Note",
]
BANK_COLUMNS = ["Date", "Description", "Payer", "Reference", "Amount", "Currency", "Balance"]
EXPENSES = [
    ("家賃 (rent)", Decimal("-85000")),
    ("日本郵便 (postage)", Decimal("-12400")),
    ("電気料金 (electricity)", Decimal("-9800")),
]


@dataclass(frozen=True, slots=True)
class StatementsWritten:
    paypal: Path
    paypal_rows: int
    bank: Path
    bank_rows: int


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


def _paypal_id(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(17))


def statements_write(
    *,
    rng: random.Random,
    history: History,
    orders: list[OrderStory],
    own: str,
    directory: Path,
    currency: str,
) -> StatementsWritten:
    """Write both statements for the orders paid within the history; what was written."""
    directory.mkdir(parents=True, exist_ok=True)
    paid = sorted((o for o in orders if o.paid_at is not None), key=lambda o: o.paid_at)  # type: ignore[arg-type, return-value]
    paypal: list[tuple[dt.datetime, list[str]]] = []
    bank: list[tuple[dt.date, list[str]]] = []
    for order in paid:
        assert order.paid_at is not None
        local = order.paid_at.astimezone(history.zone)
        if order.method == "paypal":
            fee = -(order.total * Decimal("0.036") + 40).quantize(Decimal("1"))
            titles = ", ".join(i.name for i in order.items)
            paypal.append(
                (
                    local,
                    [
                        f"{local:%Y/%m/%d}",
                        f"{local:%H:%M:%S}",
                        "JST",
                        order.person.name,
                        "General Payment",
                        "Completed",
                        currency,
                        _money(order.total),
                        _money(fee),
                        _money(order.total + fee),
                        order.person.email,
                        own,
                        _paypal_id(rng),
                        titles,
                        order.reference,
                        "",
                        "Credit",
                        f"Order {order.reference}",
                    ],
                )
            )
        else:
            payer = order.person.kana or order.person.name.upper()
            reference = order.reference if order.quotes_reference else ""
            bank.append(
                (
                    local.date(),
                    [
                        local.date().isoformat(),
                        "振込 (transfer)",
                        payer,
                        reference,
                        _money(order.total),
                        currency,
                        "",
                    ],
                )
            )
    month = dt.date(history.start.year, history.start.month, 1)
    while month < history.end:
        # Once a month: PayPal's balance goes to the bank; the bank pays the month's bills.
        day = min(month.replace(day=25), history.end - dt.timedelta(days=1))
        if day >= history.start:
            at = history.at(day, 10 * 3600)
            paypal.append(
                (
                    at,
                    [
                        f"{at:%Y/%m/%d}",
                        f"{at:%H:%M:%S}",
                        "JST",
                        "",
                        "General Withdrawal",
                        "Completed",
                        currency,
                        _money(Decimal(-rng.randrange(20, 90) * 1000)),
                        "0",
                        "",
                        own,
                        "",
                        _paypal_id(rng),
                        "",
                        "",
                        "",
                        "Debit",
                        "",
                    ],
                )
            )
            for what, amount in EXPENSES:
                bank.append((day, [day.isoformat(), what, "", "", _money(amount), currency, ""]))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    paypal.sort(key=lambda row: row[0])
    bank.sort(key=lambda row: row[0])
    paypal_path, bank_path = directory / "paypal-activity.csv", directory / "bank-statement.csv"
    for path, header, rows in (
        (paypal_path, PAYPAL_COLUMNS, [r for _, r in paypal]),
        (bank_path, BANK_COLUMNS, [r for _, r in bank]),
    ):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    return StatementsWritten(paypal_path, len(paypal), bank_path, len(bank))
