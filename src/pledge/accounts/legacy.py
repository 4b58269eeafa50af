"""Customers imported from the former shop: accounts, profiles and wrapped legacy passwords.

The former system exports one CSV file with a header line and these columns::

    email,name,postal_address,phone,sha512,marketing,registered_at

``email``, ``name``, ``postal_address`` and ``sha512`` (the unsalted SHA-512 hex digest of the
password) are required; ``phone``, ``marketing`` and ``registered_at`` (an ISO 8601 date or date
and time; without an offset it is read in the controller's time zone) may be left out or empty.

A column the import does not know refuses the whole file, naming it: a misspelt ``telephone``
would otherwise drop every number without a word, and a column nobody asked for is data the
shop should not take in.

Each customer becomes a subject, an account (found by the blind index of the address; the
password stored only as Argon2id over the digest, see ``pledge.accounts.hashers``) and a profile
encrypted under the subject's key. Nothing else of the row is kept, and nothing of it is echoed
back: a refused row is named by file and line and a fixed reason, so the report itself can be
kept or mailed without becoming a copy of personal data.

Marketing consent is not carried over. UK GDPR (article 7(1)) requires the controller to be able
to show that each person consented, to what, having been told what; the former shop's "yes" comes
with no record of the form or notice behind it, so it proves nothing. The import records no
consent and reports how many customers said "yes", so the shop can ask them again through the
unticked box on their account page (JC10).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from pledge.accounts.hashers import encode_sha512_digest
from pledge.accounts.models import Profile, User
from pledge.audit.services import audit_record
from pledge.vault.blind_index import email_index
from pledge.vault.cards import find_card_numbers
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_for_email

COLUMNS = ("email", "name", "postal_address", "phone", "sha512", "marketing", "registered_at")
REQUIRED = frozenset({"email", "name", "postal_address", "sha512"})
# Every column but the digest is scanned for card numbers. The digest is checked to be exactly
# 128 hex characters, so it cannot carry one; but its runs of digits pass a card's prefix,
# length and Luhn checks by chance (about one digest in two thousand), and refusing those would
# refuse real customers for nothing.
SCANNED = tuple(c for c in COLUMNS if c != "sha512")
MAX_LENGTH = {"email": 254, "name": 200, "postal_address": 1000}
MARKETING = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}

_DIGEST = re.compile(r"[0-9a-fA-F]{128}")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{2,30}(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?", re.IGNORECASE)
_COLUMN_NAME = re.compile(r"[a-z_][a-z0-9_ -]{0,39}")


class LegacyFileError(ValueError):
    """The file as a whole cannot be imported (no usable header, not UTF-8 text, not CSV)."""


class SkipReason(StrEnum):
    """Why a row was not imported. Fixed texts: a reason never carries a value from the row."""

    FIELD_COUNT = "wrong number of fields"
    CARD_NUMBER = "card number (neither shown nor stored)"
    MISSING_EMAIL = "missing email"
    INVALID_EMAIL = "invalid email address"
    MISSING_NAME = "missing name"
    MISSING_ADDRESS = "missing postal address"
    TOO_LONG = "field too long"
    BAD_DIGEST = "password digest is not 128 hexadecimal characters"
    BAD_PHONE = "invalid telephone number"
    BAD_MARKETING = "marketing is not yes, no, 1, 0, true or false"
    BAD_DATE = "registered_at is not an ISO 8601 date"
    FUTURE_DATE = "registered_at is in the future"
    REPEATED = "address repeated in the file"
    REGISTERED = "address already registered"


@dataclass(frozen=True, slots=True)
class LegacyRow:
    source: str
    line: int  # where the record starts (a quoted address may span lines)
    values: dict[str, str]
    field_count_ok: bool = True

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True)
class Skipped:
    source: str
    line: int
    reason: SkipReason
    detail: str = ""  # a column name or a line number, never a value

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" + (f"; {self.detail}" if self.detail else "")


@dataclass(frozen=True, slots=True)
class LegacyCustomer:
    email: str
    name: str
    postal_address: str
    phone: str | None
    digest: str
    marketing: bool
    registered_at: dt.datetime | None


@dataclass(slots=True)
class ImportReport:
    rows: int = 0
    imported: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    marketing_not_carried: int = 0  # imported customers whose former answer was "yes"
    dry_run: bool = False

    def by_reason(self) -> dict[str, int]:
        counts = Counter(str(s.reason) for s in self.skipped)
        return dict(sorted(counts.items()))


def legacy_rows_read(*, file: TextIO, source: str) -> Iterator[LegacyRow]:
    """The file's records after its header, each with the line it starts on.

    ``file`` is opened with ``newline=""`` (and ``encoding="utf-8-sig"``, so a spreadsheet's
    byte-order mark is not read as part of the first column's name).
    """
    reader = csv.reader(file)
    try:
        columns = _header(next(reader, None), source=source)
        end = reader.line_num
        for record in reader:
            start, end = end + 1, reader.line_num
            if not any(value.strip() for value in record):
                continue
            yield LegacyRow(
                source=source,
                line=start,
                values=dict(zip(columns, (v.strip() for v in record), strict=False)),
                field_count_ok=len(record) == len(columns),
            )
    except UnicodeDecodeError:
        raise LegacyFileError(
            f"{source}:{reader.line_num + 1}: not UTF-8 text; export the file as UTF-8"
        ) from None
    except csv.Error as exc:
        raise LegacyFileError(f"{source}:{reader.line_num}: not valid CSV ({exc})") from None


def legacy_customers_import(
    *,
    rows: Iterable[LegacyRow],
    dry_run: bool = False,
    actor: str = "system",
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import the customers of ``rows``; refuse and report bad rows, import the rest.

    The whole input is read and checked before anything is written, so a file that turns out
    unreadable half-way (``LegacyFileError``) leaves the database as it was. Password hashing,
    the slow part (Argon2id, on purpose), is done next, outside any transaction, so the site's
    own writes never wait on it. The accounts are then written in one transaction with one
    ``accounts.imported`` audit event: all of them or, after a crash, none, and a second run
    of the same file finds every address registered and imports nothing twice.
    """
    now = now or timezone.now()
    report = ImportReport(dry_run=dry_run)
    first_seen: dict[str, LegacyRow] = {}
    candidates: list[tuple[LegacyRow, str, LegacyCustomer]] = []
    for row in rows:
        report.rows += 1
        customer = _customer(row, now=now, report=report)
        if customer is None:
            continue
        index = email_index(customer.email)
        if index in first_seen:
            first = first_seen[index]
            report.skipped.append(_skip(row, SkipReason.REPEATED, f"first on line {first.line}"))
            continue
        first_seen[index] = row
        candidates.append((row, index, customer))

    registered = _registered(list(first_seen))
    fresh = []
    for row, index, customer in candidates:
        if index in registered:
            report.skipped.append(_skip(row, SkipReason.REGISTERED))
        else:
            fresh.append((row, index, customer))

    if dry_run:
        report.imported = len(fresh)
        report.marketing_not_carried = sum(c.marketing for _, _, c in fresh)
    else:
        hashed = [(row, index, c, encode_sha512_digest(c.digest)) for row, index, c in fresh]
        _write(hashed, report=report, actor=actor, now=now)
    report.skipped.sort(key=lambda s: (s.source, s.line))
    return report


@transaction.atomic
def _write(
    hashed: list[tuple[LegacyRow, str, LegacyCustomer, str]],
    *,
    report: ImportReport,
    actor: str,
    now: dt.datetime,
) -> None:
    for row, index, customer, password in hashed:
        try:
            # A savepoint per customer: an address registered on the site since the check
            # above costs that row only.
            with transaction.atomic():
                _account_create(customer, index=index, password=password, now=now)
        except IntegrityError:
            report.skipped.append(_skip(row, SkipReason.REGISTERED))
            continue
        report.imported += 1
        report.marketing_not_carried += int(customer.marketing)
    audit_record(
        action="accounts.imported",
        category="user.account",
        count=report.imported,
        actor=actor,
        rule="legacy customer import",
        detail={
            "rows": report.rows,
            "skipped": report.by_reason(),
            "marketing_yes_not_carried": report.marketing_not_carried,
        },
    )


def _account_create(
    customer: LegacyCustomer, *, index: str, password: str, now: dt.datetime
) -> None:
    # The subject may exist already, from an email the person sent before the import: the
    # same person, so the same subject (and one erasure reaches both).
    subject = subject_for_email(email=customer.email, kind=SubjectKind.CUSTOMER)
    if subject.kind in {SubjectKind.CORRESPONDENT, SubjectKind.VISITOR}:
        subject.kind = SubjectKind.CUSTOMER
        subject.save(update_fields=["kind"])
    User.objects.create(
        subject=subject,
        email_index=index,
        password=password,
        is_active=True,
        date_joined=customer.registered_at or now,
    )
    Profile.objects.create(
        subject=subject,
        name=customer.name,
        email=customer.email,
        postal_address=customer.postal_address,
        phone=customer.phone,
    )


def _registered(indexes: list[str], chunk: int = 500) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(indexes), chunk):
        batch = indexes[start : start + chunk]
        found.update(
            User.objects.filter(email_index__in=batch).values_list("email_index", flat=True)
        )
    return found


def _customer(row: LegacyRow, *, now: dt.datetime, report: ImportReport) -> LegacyCustomer | None:
    """The row as a customer, or None with the reason added to ``report``."""
    problem = _problem(row, now=now)
    if problem is not None:
        report.skipped.append(_skip(row, *problem))
        return None
    values = row.values
    return LegacyCustomer(
        email=values["email"],
        name=values["name"],
        postal_address=values["postal_address"],
        phone=values.get("phone") or None,
        digest=values["sha512"].lower(),
        marketing=MARKETING.get(values.get("marketing", "").lower(), False),  # empty: no
        registered_at=_date(values.get("registered_at", "")),
    )


def _problem(row: LegacyRow, *, now: dt.datetime) -> tuple[SkipReason, str] | None:
    values = row.values
    if not row.field_count_ok:
        return SkipReason.FIELD_COUNT, ""
    for column in SCANNED:
        if find_card_numbers(values.get(column, "")):
            return SkipReason.CARD_NUMBER, f"column {column}"
    for column, limit in MAX_LENGTH.items():
        if len(values.get(column, "")) > limit:
            return SkipReason.TOO_LONG, f"column {column}, at most {limit} characters"
    if not values.get("email"):
        return SkipReason.MISSING_EMAIL, ""
    try:
        validate_email(values["email"])
    except ValidationError:
        return SkipReason.INVALID_EMAIL, ""
    if not values.get("name"):
        return SkipReason.MISSING_NAME, ""
    if not values.get("postal_address"):
        return SkipReason.MISSING_ADDRESS, ""
    if not _DIGEST.fullmatch(values.get("sha512", "")):
        return SkipReason.BAD_DIGEST, ""
    if values.get("phone") and not _PHONE.fullmatch(values["phone"]):
        return SkipReason.BAD_PHONE, ""
    if values.get("marketing") and values["marketing"].lower() not in MARKETING:
        return SkipReason.BAD_MARKETING, ""
    try:
        registered_at = _date(values.get("registered_at", ""))
    except ValueError:
        return SkipReason.BAD_DATE, ""
    if registered_at is not None and registered_at > now:
        return SkipReason.FUTURE_DATE, ""
    return None


def _date(text: str) -> dt.datetime | None:
    """An ISO 8601 date or date and time; a naive one is read in the controller's zone."""
    if not text:
        return None
    value = dt.datetime.fromisoformat(text)  # a date alone is its midnight
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _header(record: list[str] | None, *, source: str) -> list[str]:
    """The column names, checked; never echoing a cell that is not a plausible column name."""
    expected = ",".join(COLUMNS)
    if record is None:
        raise LegacyFileError(f"{source}: the file is empty; expected a header line: {expected}")
    columns = [name.strip().lower() for name in record]
    if not REQUIRED & set(columns):
        # Most likely no header at all: the first line is a customer, so show none of it.
        raise LegacyFileError(f"{source}:1: the first line is not a header; expected: {expected}")
    problems = []
    if missing := [c for c in COLUMNS if c in REQUIRED and c not in columns]:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        named = [c for c in unknown if _COLUMN_NAME.fullmatch(c)]
        shown = ", ".join(named) + (" and others" if len(named) < len(unknown) else "")
        problems.append(f"unknown column(s): {shown or f'{len(unknown)} unnamed'}")
    if repeated := sorted({c for c in columns if columns.count(c) > 1 and c in COLUMNS}):
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise LegacyFileError(f"{source}:1: {'; '.join(problems)} (expected: {expected})")
    return columns


def _skip(row: LegacyRow, reason: SkipReason, detail: str = "") -> Skipped:
    return Skipped(source=row.source, line=row.line, reason=reason, detail=detail)
