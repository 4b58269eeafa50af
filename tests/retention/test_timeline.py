"""Six years of the alps business under the daily sweep: at every date that matters, exactly
what the policy says exists, and nothing else (AL6, AL7, AL8, AL11).

The business's records arrive as they would, through the services of the import commands:
web server log lines (``pledge logs ingest``), email (``pledge mail import``), orders taken by
email (the operator admin's ``order_enter``) and payments from a PayPal download and a bank
statement (``pledge payments import``); a tax inquiry puts a legal hold on one customer, and two
customers write asking for erasure. From February 2020 to June 2033 the retention sweep runs
(``sweep_run(now=...)`` at the policy's sweep hour, 04:00 in Tokyo) on:

- the day before, the day of and the day after every due date and the hold's end, so nothing
  goes a day early and nothing survives a day late;
- the day after every arrival, and the first day of every other month in between, so nothing
  moves on an ordinary day.

A sweep deletes what is due at its instant and nothing else, and nothing is due before its
date; so a sweep on the day before a due date shows that every earlier day's sweep would have
kept the record too, and one on the due date shows it goes on that day. After every sweep the
test compares the whole state (rows per holder, log periods with their files and keys, subject
keys) with what the table of literal dates below says.

Every due date is written out as a date, worked by hand from the policy (alps: logs five years
and mail at least five years from collection; orders and payments seven years from delivery
and receipt; deleted once the Japanese fiscal year ending 31 March after the keep has closed,
within 30 days' grace), and the calendar must agree with each: a calendar bug cannot hide.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import itertools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pledge.correspondence.models import Attachment, AttachmentChunk, Message
from pledge.correspondence.services import messages_import
from pledge.correspondence.sources import DEFAULT_MAX_BYTES, envelopes
from pledge.datamap import registry
from pledge.datamap.erasure import subject_erase
from pledge.policy import load
from pledge.policy.calendar import deadline
from pledge.retention.holds import hold_place
from pledge.retention.plan import plan
from pledge.retention.sweep import sweep_run
from pledge.shop.ledger import LineItem, order_enter, payments_import
from pledge.shop.models import Order, OrderLine, OrderStatus, Payment, PaymentMethod
from pledge.traffic import store
from pledge.traffic.models import DailyCount, FileKind, LogFile
from pledge.traffic.periods import period_due, period_of
from pledge.traffic.services import logs_ingest
from pledge.vault import keyring
from pledge.vault.blind_index import email_index
from pledge.vault.models import DataKey, Subject
from pledge.vault.routers import KEYS

pytestmark = pytest.mark.django_db

POLICIES = Path(__file__).resolve().parents[2] / "policies"
ALPS = load(POLICIES / "alps.yaml")
JST = ZoneInfo("Asia/Tokyo")
WEB_LOGS, MAIL, LEDGER = (
    "user.device.web_logs",
    "user.correspondence",
    "user.behavior.purchase_history",
)
SWEEP_HOUR = 4
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"


def jst(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=JST)  # type: ignore[misc]


# --- the records, with the date each must be gone by (worked by hand) -----------------------

# A log line: when it was collected, the fiscal-year period it is kept in, when that period's
# key is destroyed (five years after the year closes at midnight on 31 March, plus 30 days).
LOG_LINES = [
    (jst(2020, 2, 29, 12), "fy2020-03-31", jst(2025, 5, 1)),  # a leap day
    (jst(2020, 4, 1, 0, 0, 0), "fy2020-03-31", jst(2025, 5, 1)),  # the close: the old year's
    (jst(2020, 4, 1, 0, 0, 1), "fy2021-03-31", jst(2026, 5, 1)),
    (jst(2020, 5, 1, 10), "fy2021-03-31", jst(2026, 5, 1)),
    (jst(2021, 3, 31, 23, 59, 59), "fy2021-03-31", jst(2026, 5, 1)),
    # Written in UTC (+0000): 15:00:01 on 31 March is 00:00:01 on 1 April in Tokyo.
    (dt.datetime(2021, 3, 31, 15, 0, 1, tzinfo=dt.UTC), "fy2022-03-31", jst(2027, 5, 1)),
    (jst(2022, 8, 15, 9), "fy2023-03-31", jst(2028, 5, 1)),
    (jst(2024, 2, 29, 8), "fy2024-03-31", jst(2029, 5, 1)),
    (jst(2025, 1, 5, 11), "fy2025-03-31", jst(2030, 5, 1)),
    (jst(2026, 3, 31, 23, 59, 59), "fy2026-03-31", jst(2031, 5, 1)),
]


@dataclass
class Customer:
    """One customer's story: an order by email, its payment, its delivery, their mail."""

    key: str
    email: str
    name: str
    ordered: dt.datetime  # the order email arrives; the order is entered an hour later
    paid: dt.datetime  # PayPal: to the second; a bank transfer: the day, at midnight
    method: str
    delivered: dt.datetime  # completed_at: the order's retention counts from here
    order_due: dt.datetime  # completed + 7 years, next 31 March closes, + 30 days
    payment_due: dt.datetime  # received + 7 years, next 31 March closes, + 30 days
    mail_erasable: dt.datetime  # the last message + 5 years (the minimum keep)
    attachment: bool = False
    order_id: object = None
    reference: str = ""
    subject_id: object = None

    @property
    def entered(self) -> dt.datetime:
        """The operator enters the order an hour after its email, and answers it."""
        return self.ordered + dt.timedelta(hours=1)

    @property
    def statement(self) -> dt.datetime:
        """The statement with the payment is imported at 08:00 the next day."""
        day = self.paid.astimezone(JST).date() + dt.timedelta(days=1)
        return jst(day.year, day.month, day.day, 8)

    @property
    def mail_times(self) -> list[dt.datetime]:
        return [self.ordered, self.entered]


def imported(collected: dt.datetime) -> dt.datetime:
    """Each day's log is imported at 01:00 the next day."""
    day = collected.astimezone(JST).date() + dt.timedelta(days=1)
    return jst(day.year, day.month, day.day, 1)


CUSTOMERS = [
    # AL7 and AL8: asks for erasure in 2025, before and after the minimum keep of her mail.
    Customer(
        "A",
        "kaori.sato@mail.example",
        "Kaori Sato",
        jst(2020, 6, 10, 10),
        jst(2020, 6, 12, 9, 30),
        "paypal",
        jst(2020, 6, 20, 12),
        order_due=jst(2028, 5, 1),
        payment_due=jst(2028, 5, 1),
        mail_erasable=jst(2025, 6, 10, 11),
    ),
    # Under a legal hold from 2027 until 15 January 2030; sent a purchase order as a PDF.
    Customer(
        "B",
        "hiroshi.tanaka@post.example",
        "Hiroshi Tanaka",
        jst(2021, 3, 31, 23, 30),
        jst(2021, 4, 5),
        "bank-transfer",
        jst(2021, 4, 12, 15),
        order_due=jst(2029, 5, 1),
        payment_due=jst(2029, 5, 1),
        mail_erasable=jst(2026, 4, 1, 0, 30),
        attachment=True,
    ),
    # Delivered at the very instant FY2020 closed: seven years on is itself a close.
    Customer(
        "C",
        "emma.smith@inbox.example",
        "Emma Smith",
        jst(2021, 3, 25, 14),
        jst(2021, 3, 26, 10),
        "paypal",
        jst(2021, 4, 1, 0, 0, 0),
        order_due=jst(2028, 5, 1),
        payment_due=jst(2028, 5, 1),
        mail_erasable=jst(2026, 3, 25, 15),
    ),
    # One second later: the order waits a whole year more than the payment made before it.
    Customer(
        "D",
        "kenji.yamada@print-studio.example",
        "Kenji Yamada",
        jst(2021, 3, 28, 9),
        jst(2021, 3, 30),
        "bank-transfer",
        jst(2021, 4, 1, 0, 0, 1),
        order_due=jst(2029, 5, 1),
        payment_due=jst(2028, 5, 1),
        mail_erasable=jst(2026, 3, 28, 10),
    ),
    # Delivered on 29 February: seven years on, February has no 29th; the keep ends with it.
    Customer(
        "E",
        "mai.inoue@design-works.example",
        "Mai Inoue",
        jst(2024, 2, 20, 16),
        jst(2024, 2, 21, 8, 15),
        "paypal",
        jst(2024, 2, 29, 12),
        order_due=jst(2031, 5, 1),
        payment_due=jst(2031, 5, 1),
        mail_erasable=jst(2029, 2, 20, 17),
    ),
    # The last order of the six years.
    Customer(
        "F",
        "lucas.martin@univ.example",
        "Lucas Martin",
        jst(2026, 3, 10, 11),
        jst(2026, 3, 15),
        "bank-transfer",
        jst(2026, 3, 20, 18),
        order_due=jst(2033, 5, 1),
        payment_due=jst(2033, 5, 1),
        mail_erasable=jst(2031, 3, 10, 12),
    ),
]
BY_KEY = {c.key: c for c in CUSTOMERS}

HOLD_PLACED, HOLD_ENDS = jst(2027, 1, 10, 9), jst(2030, 1, 15)
ERASURE_EARLY, ERASURE_LATE = jst(2025, 6, 9, 9), jst(2025, 6, 11, 9)  # A writes twice
ERASURE_HELD = jst(2027, 2, 1, 9)  # B writes while the hold stands
LATE_IMPORT = jst(2026, 5, 2, 9)  # a forgotten log of May 2020 turns up
FIRST_SWEEP, LAST_SWEEP = dt.date(2020, 3, 1), dt.date(2033, 6, 1)


# --- the world: what the services are given, and what must exist ----------------------------


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = itertools.count(1)
        self.erased_mail: set[str] = set()  # customers whose mail an erasure took

    def path(self, suffix: str) -> Path:
        return self.root / f"{next(self.files):03d}{suffix}"

    # Arrivals, each through the service of its import command.

    def log_lines(self, lines: list[dt.datetime], at: dt.datetime):  # type: ignore[no-untyped-def]
        text = "".join(
            f'198.51.100.{n + 7} - - [{moment:%d/%b/%Y:%H:%M:%S %z}] "GET /ordering/ HTTP/1.1" '
            f'200 7300 "-" "{AGENT}"\n'
            for n, moment in enumerate(lines)
        )
        path = self.path(".log")
        path.write_text(text)
        return logs_ingest(sources=[str(path)], now=at.astimezone(dt.UTC))

    def mail(self, customer: Customer, at: dt.datetime, *, ours: bool) -> None:
        """One message: the customer's (stamped by our server) or our answer to them."""
        sender = "ALPS <orders@alps-printer.jp>" if ours else f"{customer.name} <{customer.email}>"
        to = f"{customer.name} <{customer.email}>" if ours else "orders@alps-printer.jp"
        stamp = email.utils.format_datetime(at)
        head = "" if ours else f"Received: from mail.example by mx.alps-printer.jp; {stamp}\n"
        body = "Thank you for your order." if ours else "I would like to order two ribbons."
        parts = [
            f"{head}Message-ID: <{customer.key}.{at:%Y%m%d%H%M%S}@example>",
            f"Date: {stamp}",
            f"From: {sender}",
            f"To: {to}",
            f"Subject: {'Re: ' if ours else ''}Order",
            "MIME-Version: 1.0",
        ]
        if customer.attachment and not ours:
            parts += [
                'Content-Type: multipart/mixed; boundary="b"',
                "",
                "--b",
                "Content-Type: text/plain",
                "",
                body,
                "--b",
                "Content-Type: application/pdf",
                "Content-Transfer-Encoding: base64",
                'Content-Disposition: attachment; filename="order.pdf"',
                "",
                "JVBERi0xLjQKJSBwdXJjaGFzZSBvcmRlcgo=",
                "--b--",
            ]
        else:
            parts += ["Content-Type: text/plain", "", body]
        when = at.astimezone(dt.UTC).strftime("%a %b %d %H:%M:%S %Y")
        path = self.path(".mbox")
        path.write_text(f"From {customer.email} {when}\n" + "\n".join(parts) + "\n\n")
        report = messages_import(envelopes=envelopes(path, max_bytes=DEFAULT_MAX_BYTES), now=at)
        assert (report.stored, report.problems) == (1, 0)
        customer.subject_id = Subject.objects.get(email_index=email_index(customer.email)).pk

    def order(self, customer: Customer) -> None:
        order = order_enter(
            order=Order(
                placed_at=customer.ordered,
                shipping_country="JP",
                postage_method="Click Post",
                postage=Decimal("185"),
                payment_method=PaymentMethod(customer.method),
                currency="JPY",
            ),
            lines=[LineItem("Cyan ink ribbon cassette", 2, Decimal("1650"))],
            email=customer.email,
            name=customer.name,
            address="1-2-3 Kyoto",
            actor="operator",
        )
        customer.order_id, customer.reference = order.pk, order.reference
        customer.subject_id = order.subject_id

    def payment(self, customer: Customer) -> None:
        """The statement with the customer's payment, imported the next morning."""
        path = self.path(".csv")
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            if customer.method == "paypal":
                writer.writerow(
                    [
                        "Date",
                        "Time",
                        "TimeZone",
                        "Name",
                        "Type",
                        "Status",
                        "Currency",
                        "Gross",
                        "From Email Address",
                        "Transaction ID",
                        "Invoice Number",
                    ]
                )
                writer.writerow(
                    [
                        f"{customer.paid:%Y/%m/%d}",
                        f"{customer.paid:%H:%M:%S}",
                        "JST",
                        customer.name,
                        "General Payment",
                        "Completed",
                        "JPY",
                        "3,485",
                        customer.email,
                        f"TX{customer.key}0000000000000",
                        customer.reference,
                    ]
                )
            else:
                writer.writerow(["Date", "Description", "Payer", "Reference", "Amount", "Currency"])
                writer.writerow(
                    [
                        customer.paid.date().isoformat(),
                        "振込",
                        customer.name.upper(),
                        customer.reference,
                        "3485",
                        "JPY",
                    ]
                )
        report = payments_import(path=path, actor="cli")
        assert (report.matched, report.bad) == (1, [])

    def delivered(self, customer: Customer) -> None:
        # ``order_complete`` stamps the present; the history's delivery has its own instant.
        Order.objects.filter(pk=customer.order_id).update(
            status=OrderStatus.COMPLETED, completed_at=customer.delivered
        )

    # What must exist after a sweep at ``now``.

    def expected(self, now: dt.datetime) -> dict[str, object]:
        def held(c: Customer) -> bool:
            return c.key == "B" and HOLD_PLACED <= now < HOLD_ENDS

        orders = {c.key for c in CUSTOMERS if c.entered <= now and (c.order_due > now or held(c))}
        payments = {
            c.key for c in CUSTOMERS if c.statement <= now and (c.payment_due > now or held(c))
        }
        mail = {
            c.key: sum(1 for at in c.mail_times if at <= now)
            for c in CUSTOMERS
            if c.key not in self.erased_mail
        }
        periods = {p for at, p, due in LOG_LINES if imported(at) <= now and due > now}
        return {
            "orders": orders,
            "order lines": orders,
            "payments": payments,
            "messages": {k: n for k, n in mail.items() if n},
            "attachments": {k for k, n in mail.items() if n and BY_KEY[k].attachment},
            "periods": periods,
            "period keys": periods,
            "period files": periods,
            "ledger keys": orders | payments,
            "mail keys": {k for k, n in mail.items() if n},
        }

    def actual(self) -> dict[str, object]:
        key_of = {c.subject_id: c.key for c in CUSTOMERS if c.subject_id is not None}
        by_order = {c.order_id: c.key for c in CUSTOMERS if c.order_id is not None}
        messages: dict[str, int] = {}
        for subject in Message.objects.values_list("subject_id", flat=True):
            messages[key_of[subject]] = messages.get(key_of[subject], 0) + 1
        raw = LogFile.objects.filter(category=WEB_LOGS, kind=FileKind.RAW)
        on_disk = {
            path.name.removeprefix("period=")
            for path in (store.root() / "web_logs" / f"category={WEB_LOGS}").glob("period=*")
        }
        # The key database, read in one query: which keys exist (a shredded key's row is gone).
        keys = DataKey.objects.using(KEYS).filter(category__in=[WEB_LOGS, LEDGER, MAIL])
        periods, subjects = set(), {LEDGER: set(), MAIL: set()}
        for category, subject, period in keys.values_list("category", "subject", "period"):
            if category == WEB_LOGS and period.startswith("fy"):
                periods.add(period)
            elif subject in key_of:
                subjects[category].add(key_of[subject])
        return {
            "orders": {by_order[pk] for pk in Order.objects.values_list("pk", flat=True)},
            "order lines": {
                by_order[pk] for pk in OrderLine.objects.values_list("order", flat=True)
            },
            "payments": {key_of[s] for s in Payment.objects.values_list("subject_id", flat=True)},
            "messages": messages,
            "attachments": {key_of[s] for s in Attachment.objects.values_list("subject", flat=True)}
            & {key_of[s] for s in AttachmentChunk.objects.values_list("subject", flat=True)},
            "periods": set(raw.values_list("period", flat=True)),
            "period keys": periods,
            "period files": on_disk,
            "ledger keys": subjects[LEDGER],
            "mail keys": subjects[MAIL],
        }


def sweep_days(events: list[dt.datetime]) -> list[dt.datetime]:
    """The sweep hour of every day that matters, and of ordinary days between them."""
    days = set()
    marks = [d for _, _, d in LOG_LINES] + [HOLD_ENDS]
    marks += [c.order_due for c in CUSTOMERS] + [c.payment_due for c in CUSTOMERS]
    for mark in marks:
        local = mark.astimezone(JST).date()
        days |= {local - dt.timedelta(days=1), local, local + dt.timedelta(days=1)}
    days |= {e.astimezone(JST).date() + dt.timedelta(days=1) for e in events}
    day = FIRST_SWEEP
    while day <= LAST_SWEEP:
        days.add(day)
        day = (day + dt.timedelta(days=62)).replace(day=1)
    return [jst(d.year, d.month, d.day, SWEEP_HOUR) for d in sorted(days)]


# --- the calendar agrees with the dates written above --------------------------------------


@pytest.mark.clause("AL11")
@pytest.mark.clause("AL6")
def test_the_calendar_gives_the_log_periods_and_dates_written_by_hand():
    for collected, period, due in LOG_LINES:
        assert period_of(collected, ALPS) == period, collected
        assert period_due(period, ALPS) == due, period


@pytest.mark.clause("AL11")
@pytest.mark.clause("AL8")
@pytest.mark.clause("AL7")
def test_the_calendar_gives_the_ledger_and_mail_dates_written_by_hand():
    ledger, mail = ALPS.category(LEDGER).retention, ALPS.category(MAIL).retention
    for c in CUSTOMERS:
        assert deadline(c.delivered, ledger, ALPS.time_zone).due_at == c.order_due, c.key
        assert deadline(c.paid, ledger, ALPS.time_zone).due_at == c.payment_due, c.key
        last_mail = max(c.mail_times)
        assert deadline(last_mail, mail, ALPS.time_zone).erasable_at == c.mail_erasable, c.key
        assert deadline(last_mail, mail, ALPS.time_zone).due_at is None  # only on request


# --- the six years, swept ---------------------------------------------------------------------


@pytest.fixture
def world(settings, tmp_path: Path) -> World:
    settings.POLICY = ALPS
    settings.SHOP_CURRENCY = "JPY"
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    for customer in CUSTOMERS:  # the table is shared by tests: start each run afresh
        customer.order_id = customer.subject_id = None
        customer.reference = ""
    return World(tmp_path)


def _events(world: World) -> list[tuple[dt.datetime, object]]:
    """Everything that happens, in time order (a sweep runs between any two)."""
    events: list[tuple[dt.datetime, object]] = []
    by_import: dict[dt.datetime, list[dt.datetime]] = {}
    for collected, _, _ in LOG_LINES:
        by_import.setdefault(imported(collected), []).append(collected)
    for at, lines in by_import.items():
        events.append((at, lambda at, lines=lines: world.log_lines(lines, at)))
    for c in CUSTOMERS:
        events += [
            (c.ordered, lambda at, c=c: world.mail(c, at, ours=False)),
            (c.entered, lambda at, c=c: (world.order(c), world.mail(c, at, ours=True))),
            (c.statement, lambda at, c=c: world.payment(c)),
            (c.delivered, lambda at, c=c: world.delivered(c)),
        ]
    return sorted(events, key=lambda e: e[0])


@pytest.mark.clause("AL6")
@pytest.mark.clause("AL7")
@pytest.mark.clause("AL8")
@pytest.mark.clause("AL11")
def test_six_years_of_daily_sweeps_hold_exactly_what_the_policy_says(world: World):
    arrivals = _events(world)
    actions: list[tuple[dt.datetime, str, object]] = [(at, "event", run) for at, run in arrivals]
    actions += [
        (HOLD_PLACED, "hold", None),
        (ERASURE_EARLY, "erase early", None),
        (ERASURE_LATE, "erase late", None),
        (ERASURE_HELD, "erase held", None),
        (LATE_IMPORT, "late import", None),
    ]
    actions += [(at, "sweep", None) for at in sweep_days([a[0] for a in actions])]
    actions.sort(key=lambda a: (a[0], a[1] == "sweep"))
    swept = 0
    for at, kind, run in actions:
        if kind == "event":
            run(at)  # type: ignore[operator]
        elif kind == "hold":
            hold_place(
                subject=BY_KEY["B"].subject_id,
                reason="tax inquiry 2027/03",
                reference="TAX-2027-03",
                expires_at=HOLD_ENDS,
                actor="operator",
            )
        elif kind.startswith("erase"):
            _erasure_request(world, kind, at)
        elif kind == "late import":
            result = world.log_lines([jst(2020, 5, 2, 9)], at)
            assert result.refusals == {"older than the policy keeps web server logs": 1}
            assert result.ingest.counted == 0
        else:
            sweep_run(now=at, trigger="timeline")
            swept += 1
            expected, actual = world.expected(at), world.actual()
            assert actual == expected, f"after the sweep of {at:%Y-%m-%d %H:%M} JST"
    assert swept > 120

    # Thirteen years on: every log period and every ledger record is gone; the statistics
    # derived from the logs stay (AL13), and the mail nobody asked to erase is still kept
    # (AL7: not deleted after the five years, only on request).
    assert not LogFile.objects.exists() and not Order.objects.exists()
    assert not Payment.objects.exists()
    assert DailyCount.objects.filter(day=dt.date(2020, 5, 1)).exists()
    assert world.actual()["messages"] == {"B": 2, "C": 2, "D": 2, "E": 2, "F": 2}


def _erasure_request(world: World, kind: str, at: dt.datetime) -> None:
    """A written request for erasure, answered by the erasure service at ``at``."""
    customer = BY_KEY["B" if kind == "erase held" else "A"]
    outcomes = {
        o.category: o
        for o in subject_erase(subject_id=customer.subject_id, reason="letter", now=at)
    }
    mail, ledger = outcomes[MAIL], outcomes[LEDGER]
    if kind == "erase early":
        # AL7: refused before five years have passed since her last message, with the date.
        assert mail.status == "kept" and mail.until == customer.mail_erasable
        assert "kept until 10 June 2025 under the minimum keep of five years" in mail.words(
            ALPS.time_zone
        )
    elif kind == "erase late":
        assert (mail.status, mail.count) == ("erased", 2)
        world.erased_mail.add(customer.key)
    else:
        # The hold stops the erasure service too: her mail is past its minimum keep.
        assert at > customer.mail_erasable
        assert mail.status == "kept" and "a legal hold: tax inquiry 2027/03" in mail.rule
        assert mail.until == HOLD_ENDS
    if kind == "erase held":
        assert ledger.status == "kept" and "a legal hold" in ledger.rule
        return
    # AL8: the ledger is never erased on request; the answer names the rule and the date.
    assert ledger.status == "kept" and ledger.until == customer.order_due
    assert "cannot be deleted at visitor request" in ledger.rule
    assert "kept until 1 May 2028" in ledger.words(ALPS.time_zone)


@pytest.mark.clause("AL11")
def test_a_period_goes_at_its_due_instant_not_a_second_before(world: World):
    collected, period, due = LOG_LINES[3]  # 1 May 2020: due at midnight on 1 May 2026, Tokyo
    world.log_lines([collected], collected + dt.timedelta(hours=1))
    sweep_run(now=due - dt.timedelta(seconds=1))
    assert keyring.get(store.key_ref(WEB_LOGS, period)) is not None
    assert LogFile.objects.filter(period=period).exists()
    sweep_run(now=due)
    assert keyring.get(store.key_ref(WEB_LOGS, period)) is None
    assert not LogFile.objects.filter(period=period).exists()


@pytest.mark.clause("AL8")
def test_the_plan_shows_the_held_ledger_and_its_reason(world: World):
    customer = BY_KEY["B"]
    world.mail(customer, customer.ordered, ours=False)
    world.order(customer)
    world.delivered(customer)
    hold_place(
        subject=customer.subject_id,
        reason="tax inquiry 2027/03",
        expires_at=HOLD_ENDS,
        actor="operator",
    )
    entries = plan(ALPS, list(registry.holders(ALPS)), jst(2029, 5, 2))
    order = next(e for e in entries if e.holder == "shop.Order")
    assert (order.due_now, order.held) == (0, 1)
    assert Subject.objects.filter(pk=customer.subject_id).exists()


@pytest.mark.clause("AL6")
def test_a_hold_on_the_web_logs_keeps_a_due_period_until_it_ends(world: World):
    collected, period, due = LOG_LINES[3]
    world.log_lines([collected], collected + dt.timedelta(hours=1))
    hold_place(
        category=WEB_LOGS,
        reason="police inquiry 2026/11",
        expires_at=jst(2027, 1, 1),
        actor="operator",
    )
    sweep_run(now=due + dt.timedelta(days=1))
    assert keyring.get(store.key_ref(WEB_LOGS, period)) is not None, "held: the key stays"
    assert LogFile.objects.filter(period=period).exists()
    sweep_run(now=jst(2027, 1, 1, SWEEP_HOUR))
    assert keyring.get(store.key_ref(WEB_LOGS, period)) is None
