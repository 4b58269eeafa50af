"""The ledger (AL8): orders taken by email, payments from PayPal and bank statements, matched.

Amounts, dates, currencies, the shipping country and the postage method stay in clear; who paid
and who ordered are encrypted under the customer's key for the purchase-history category, whose
retention rule (the statutory period, seven years under alps) refuses erasure on request. An
erasure request therefore erases a customer's correspondence and leaves these records, with
the rule named in the answer.

**Statements.** ``pledge payments import FILE.csv`` reads two layouts as they come:

- a PayPal activity download ("All transactions" CSV): ``Date``, ``Time``, ``TimeZone``,
  ``Name``, ``Type``, ``Status``, ``Currency``, ``Gross``, ``From Email Address``,
  ``Transaction ID``, and, searched for an order reference, ``Invoice Number``,
  ``Custom Number``, ``Subject``, ``Note``, ``Item Title``. Dates as ``DD/MM/YYYY`` (a UK or
  Japanese account), ``YYYY/MM/DD`` or ``YYYY-MM-DD``; a US account's ``MM/DD/YYYY`` needs a
  mapping file. Only rows with status ``Completed`` and money in become payments; rows whose
  ``Type`` names a conversion, withdrawal, hold, reversal, refund, fee, authorisation, transfer
  or release are reported as skipped.
- a bank statement with a header line naming ``Date`` (``YYYY-MM-DD``) and ``Amount`` (money
  in positive, out negative), and optionally ``Currency``, ``Payer``, ``Description``,
  ``Reference`` and ``Transaction ID``.

Any other layout is described by a small YAML mapping file (``--mapping``): its keys and an
example are in ``StatementLayout``.

**Matching.** A payment is matched to the order whose reference appears in its reference or
description (``AL-7K2M-Q9XZ``, case and separators forgiven); else, for a payer whose email
address is known, to their one unpaid order of exactly that amount. Anything else is kept as
not matched, for the operator to match in the admin. Rows are imported once: by the
provider's transaction id, or without one by a keyed digest of the row.

**Bad rows.** A row that cannot be read (wrong number of columns, a date or an amount that is
not one, text not in the file's encoding, an unterminated quote) is reported with its line and
the reason and skipped; every other row is imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.conf import settings
from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pledge.audit.services import audit_record
from pledge.shop.models import (
    PURCHASES,
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
)
from pledge.shop.services import order_reference
from pledge.vault import crypto, keyring
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject, SubjectKind
from pledge.vault.services import subject_create, subject_for_email

ROW_KEY = keyring.KeyRef(category="vault.blind_index", name="payment-row")
MAX_RECORD_LINES = 20  # a quoted field spanning more lines than this is an unterminated quote
_REFERENCE = re.compile(r"\b([A-Z]{2})[-\s]?([A-HJ-NP-Z2-9]{4})[-\s]?([A-HJ-NP-Z2-9]{4})\b", re.I)
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes the file's encoding could not read
_ZONES = {
    "JST": "Asia/Tokyo",
    "GMT": "UTC",
    "UTC": "UTC",
    "BST": "Europe/London",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "EST": "America/New_York",
    "EDT": "America/New_York",
}


# --- orders taken by email ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineItem:
    name: str
    quantity: int
    unit_price: Decimal
    product: Product | None = None


def reference_prefix(policy_id: str) -> str:
    """Two letters for the business: ``JC`` for japan-centre, ``AL`` for alps."""
    words = [w for w in policy_id.upper().split("-") if w]
    prefix = "".join(w[0] for w in words) if len(words) > 1 else words[0][:2]
    return (prefix + "XX")[:2] if prefix.isalpha() else "OR"


@transaction.atomic
def order_enter(
    *,
    order: Order,
    lines: list[LineItem],
    email: str,
    name: str,
    address: str,
    phone: str = "",
    actor: str = "system",
) -> Order:
    """Record an order a customer placed by email, as the operator typed it in.

    ``order`` carries the business columns the operator filled in (date, country, postage
    method and price, payment method); the customer's details are sealed under their key.
    """
    order.subject = subject_for_email(email=email, kind=SubjectKind.CUSTOMER)
    order.channel = Channel.EMAIL
    order.reference = order_reference(reference_prefix(settings.POLICY.id))
    order.currency = order.currency or settings.SHOP_CURRENCY
    order.shipping_country = order.shipping_country.upper()
    order.subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    order.total = order.subtotal + (order.postage or Decimal("0"))
    order.delivery_name, order.delivery_address, order.email = name, address, email
    order.phone = phone or None
    order.save(force_insert=True)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            product_name=line.name or (line.product.name if line.product else ""),
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in lines
    )
    audit_record(
        action="order.placed",
        subject=order.subject_id,
        category=PURCHASES,
        actor=actor,
        detail={"reference": order.reference, "channel": "email"},
    )
    return order


# --- statement layouts ----------------------------------------------------------------------


class StatementLayout(BaseModel):
    """The columns of a statement file; a mapping file is this, in YAML.

    Example, for a Japanese bank's download in Shift_JIS::

        name: MUFG statement
        method: bank-transfer
        encoding: cp932
        date: 日付
        date_format: "%Y/%m/%d"
        amount: お預入れ
        default_currency: JPY
        payer: 摘要
        memo: [摘要, メモ]
    """

    model_config = ConfigDict(extra="forbid")

    name: str = "mapping"
    method: Literal["paypal", "bank-transfer"]
    encoding: str = "utf-8-sig"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    header_line: int = Field(default=1, ge=1, description="Line number of the header row.")
    date: str
    date_format: list[str] = Field(default_factory=lambda: ["%Y-%m-%d"])
    time: str | None = None
    time_zone: str | None = Field(default=None, description="Column of zone names (JST, PDT).")
    amount: str = Field(description="Column of money in (positive); money out is negative.")
    decimal_comma: bool = False
    currency: str | None = None
    default_currency: str | None = None
    payer: str | None = None
    email: str | None = None
    reference: str | None = Field(default=None, description="The provider's transaction id.")
    memo: list[str] = Field(default_factory=list, description="Searched for order references.")
    type: str | None = None
    status: str | None = None
    completed: list[str] = Field(default_factory=lambda: ["Completed"])
    skip_types: list[str] = Field(
        default_factory=list, description="Words of row types that are not payments received."
    )

    def columns(self) -> set[str]:
        named = [self.date, self.time, self.time_zone, self.amount, self.currency, self.payer]
        named += [self.email, self.reference, self.type, self.status, *self.memo]
        return {c for c in named if c}


PAYPAL = StatementLayout(
    name="PayPal activity download",
    method="paypal",
    date="Date",
    date_format=["%d/%m/%Y", "%Y/%m/%d", "%Y-%m-%d", "%d.%m.%Y"],
    time="Time",
    time_zone="TimeZone",
    amount="Gross",
    currency="Currency",
    payer="Name",
    email="From Email Address",
    reference="Transaction ID",
    memo=["Invoice Number", "Custom Number", "Subject", "Note", "Item Title"],
    type="Type",
    status="Status",
    skip_types=["conversion", "withdraw", "hold", "reversal", "refund", "fee", "authori",
                "transfer", "release"],
)  # fmt: skip
BANK = StatementLayout(
    name="bank statement",
    method="bank-transfer",
    date="Date",
    date_format=["%Y-%m-%d"],
    amount="Amount",
    currency="Currency",
    payer="Payer",
    reference="Transaction ID",
    memo=["Reference", "Description"],
)


class StatementError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


def layout_load(path: Path) -> StatementLayout:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise StatementError(f"{path}: not a readable YAML mapping ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("date_format"), str):
        data["date_format"] = [data["date_format"]]
    if isinstance(data, dict) and isinstance(data.get("memo"), str):
        data["memo"] = [data["memo"]]
    try:
        return StatementLayout.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'mapping'}: {e['msg']}" for e in exc.errors()
        )
        raise StatementError(f"{path}: {problems}") from None


def layout_detect(header: list[str]) -> StatementLayout:
    names = set(header)
    if {"Gross", "Transaction ID"} <= names:
        return PAYPAL
    if {"Date", "Amount"} <= names:
        return BANK
    raise StatementError(
        "the header is neither a PayPal activity download (Gross, Transaction ID) nor a bank "
        "statement (Date, Amount): describe the layout in a mapping file (--mapping)"
    )


# --- reading rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    received_at: dt.datetime
    amount: Decimal
    currency: str
    payer: str
    email: str
    reference: str
    memo: str
    kind: str
    status: str


@dataclass(frozen=True, slots=True)
class Bad:
    line: int
    reason: str


def statement_read(
    path: Path, *, layout: StatementLayout | None = None
) -> tuple[StatementLayout, Iterator[Row | Bad]]:
    """The file's layout and its rows, each read or reported with its line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StatementError(f"{path}: {exc.strerror or exc}") from None
    encoding = layout.encoding if layout else "utf-8-sig"
    try:
        text = data.decode(encoding, "surrogateescape")
    except LookupError:
        raise StatementError(f"{path}: unknown encoding {encoding!r}") from None
    lines = text.splitlines()
    start = (layout.header_line if layout else 1) - 1
    if len(lines) <= start:
        raise StatementError(f"{path}: no header line")
    header = [h.strip() for h in _fields(lines[start], layout.delimiter if layout else ",")]
    layout = layout or layout_detect(header)
    missing = [c for c in (layout.date, layout.amount) if c not in header]
    if missing:
        raise StatementError(f"{path}: the header has no column {', '.join(map(repr, missing))}")
    return layout, _rows(lines, start, header, layout)


def _rows(
    lines: list[str], start: int, header: list[str], layout: StatementLayout
) -> Iterator[Row | Bad]:
    """Each record after the header, read or reported by the line it starts on.

    A quoted field may span lines. A quote left open would swallow the rest of the file, so a
    record spanning lines that does not come out with the header's columns is reported as an
    unterminated quote on its first line, and reading resumes on the next line.
    """
    zone = ZoneInfo(settings.POLICY.time_zone)
    index = start + 1
    while index < len(lines):
        number, record, end = index + 1, lines[index], index
        while record.count('"') % 2 and end + 1 < len(lines) and end - index < MAX_RECORD_LINES:
            end += 1
            record += "\n" + lines[end]
        values = _fields(record, layout.delimiter) if record.strip() else []
        if record.count('"') % 2 or (end > index and len(values) != len(header)):
            yield Bad(number, "an unterminated quote: the line is skipped")
            index += 1
            continue
        index = end + 1
        if not record.strip():
            continue
        if _UNDECODED.search(record):
            yield Bad(number, f"not {layout.encoding} text")
        elif len(values) != len(header):
            yield Bad(number, f"{len(values)} fields where the header has {len(header)}")
        else:
            try:
                yield _row(number, dict(zip(header, values, strict=True)), layout, zone)
            except ValueError as exc:
                yield Bad(number, str(exc))


def _fields(record: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([record], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return [record]


def _row(number: int, cells: dict[str, str], layout: StatementLayout, zone: ZoneInfo) -> Row:
    def cell(name: str | None) -> str:
        return unicodedata.normalize("NFKC", cells.get(name, "")).strip() if name else ""

    when = _date(cell(layout.date), layout.date_format)
    clock = cell(layout.time)
    if clock:
        try:
            parsed = dt.time.fromisoformat(clock)
        except ValueError:
            raise ValueError(f"time {clock!r} is not HH:MM:SS") from None
        when = when.replace(hour=parsed.hour, minute=parsed.minute, second=parsed.second)
    row_zone = _zone(cell(layout.time_zone)) or zone
    currency = (cell(layout.currency) or layout.default_currency or settings.SHOP_CURRENCY).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"currency {currency!r} is not a three-letter code")
    return Row(
        line=number,
        received_at=when.replace(tzinfo=row_zone),
        amount=_amount(cell(layout.amount), layout.decimal_comma),
        currency=currency,
        payer=cell(layout.payer),
        email=cell(layout.email),
        reference=cell(layout.reference),
        memo=" ".join(cell(c) for c in layout.memo if cell(c)),
        kind=cell(layout.type),
        status=cell(layout.status),
    )


def _date(value: str, formats: list[str]) -> dt.datetime:
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"date {value!r} does not match {' or '.join(formats)}")


def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(_ZONES.get(name.upper(), name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _amount(value: str, decimal_comma: bool) -> Decimal:
    if not value:
        return Decimal("0")  # a credit column left empty on a row of money out
    text = re.sub(r"[\s¥$£€円]|JPY|GBP|USD|EUR", "", value).replace("\u2212", "-")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    text = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"amount {value!r} is not a number") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e8"):
        raise ValueError(f"amount {value!r} is out of range")
    return -amount if negative else amount


# --- importing and matching -------------------------------------------------------------------


@dataclass
class PaymentsReport:
    layout: str = ""
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    skipped: list[Bad] = field(default_factory=list)  # rows that are not payments received
    bad: list[Bad] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.matched + self.unmatched

    def summary(self) -> str:
        return (
            f"{self.layout}: {self.imported} payments imported ({self.matched} matched to "
            f"orders, {self.unmatched} not matched), {self.duplicates} already imported, "
            f"{len(self.skipped)} rows not payments received, {len(self.bad)} rows unreadable"
        )


def payments_import(
    *, path: Path, layout: StatementLayout | None = None, actor: str = "cli"
) -> PaymentsReport:
    """Import every payment received in a statement file; report the rest by line."""
    layout, rows = statement_read(path, layout=layout)
    report = PaymentsReport(layout=layout.name)
    method = PaymentMethod(layout.method)
    key = keyring.get_or_create(ROW_KEY)
    seen: Counter[str] = Counter()
    for row in rows:
        if isinstance(row, Bad):
            report.bad.append(row)
            continue
        reason = _not_a_payment(row, layout)
        if reason:
            report.skipped.append(Bad(row.line, reason))
            continue
        reference = row.reference or _row_reference(key, row, seen)
        with transaction.atomic():
            if Payment.objects.filter(method=method, reference=reference).exists():
                report.duplicates += 1
                continue
            payment = payment_import(row=row, method=method, reference=reference, actor=actor)
        if payment.order_id:
            report.matched += 1
        else:
            report.unmatched += 1
    return report


def _not_a_payment(row: Row, layout: StatementLayout) -> str:
    if row.amount <= 0:
        return f"money out or nothing ({row.kind or 'amount ' + str(row.amount)})"
    if layout.status and row.status not in layout.completed:
        return f"status {row.status or 'empty'!r}, not {' or '.join(layout.completed)}"
    kind = row.kind.casefold()
    if any(word in kind for word in layout.skip_types):
        return f"not a payment received ({row.kind})"
    return ""


def _row_reference(key: bytes, row: Row, seen: Counter[str]) -> str:
    """A reference for a row without a transaction id: a keyed digest of what it says.

    Identical rows in one file (two equal transfers on a day) are told apart by their order, so
    importing the same file again finds the same references.
    """
    text = "\0".join(
        [row.received_at.isoformat(), str(row.amount), row.currency, row.payer, row.memo]
    )
    digest = crypto.mac(key, text.encode("utf-8", "surrogatepass"))[:24]
    seen[digest] += 1
    return f"row-{digest}-{seen[digest]}"


@transaction.atomic
def payment_import(*, row: Row, method: PaymentMethod, reference: str, actor: str) -> Payment:
    """One payment received: matched to its order when one can be found, else kept unmatched."""
    order = order_for_payment(row=row)
    if order is not None:
        subject = order.subject
    elif row.email:
        subject = subject_for_email(email=row.email, kind=SubjectKind.CUSTOMER)
    else:
        subject = subject_create(kind=SubjectKind.CUSTOMER)
    payment = Payment.objects.create(
        order=order,
        subject=subject,
        method=method,
        status=PaymentStatus.RECEIVED if order else PaymentStatus.UNMATCHED,
        amount=row.amount,
        currency=row.currency,
        received_at=row.received_at,
        reference=reference[:80],
        payer_name=row.payer or None,
    )
    audit_record(
        action="payment.recorded",
        subject=subject.pk,
        category=PURCHASES,
        actor=actor,
        detail={
            "method": str(method),
            "matched": order is not None,
            "reference": order.reference if order else "",
        },
    )
    if order is not None:
        _mark_paid(order)
    return payment


def order_for_payment(*, row: Row) -> Order | None:
    """The order a payment is for: by the reference quoted, else by payer and exact amount."""
    for match in _REFERENCE.finditer(f"{row.reference} {row.memo}"):
        reference = "-".join(part.upper() for part in match.groups())
        order = Order.objects.filter(reference=reference).first()
        if order is not None:
            return order
    if row.email:
        subject = Subject.objects.filter(email_index=email_index(row.email)).first()
        if subject is not None:
            candidates = list(
                Order.objects.filter(
                    subject=subject,
                    status=OrderStatus.AWAITING_PAYMENT,
                    total=row.amount,
                    currency=row.currency,
                    placed_at__lte=row.received_at,
                )[:2]
            )
            if len(candidates) == 1:
                return candidates[0]
    return None


@transaction.atomic
def payment_match(*, payment: Payment, order: Order, actor: str) -> Payment:
    """Match a payment to an order by hand; the payer's name moves to the customer's key."""
    payer = payment.payer_name.reveal(purpose="orders") if payment.payer_name else None
    payment.order, payment.subject = order, order.subject
    payment.payer_name = payer
    payment.status = PaymentStatus.RECEIVED
    payment.save()
    audit_record(
        action="payment.matched",
        subject=order.subject_id,
        category=PURCHASES,
        actor=actor,
        detail={"reference": order.reference},
    )
    _mark_paid(order)
    return payment


def _mark_paid(order: Order) -> None:
    payments = order.payments.filter(status=PaymentStatus.RECEIVED)
    received = sum((p.amount for p in payments), Decimal("0"))
    if received >= order.total and order.status == OrderStatus.AWAITING_PAYMENT:
        last = payments.order_by("-received_at").values_list("received_at", flat=True).first()
        order.status, order.paid_at = OrderStatus.PAID, last
        order.save(update_fields=["status", "paid_at"])
