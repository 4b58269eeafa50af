"""``demo_fill``: a fresh data directory given years of synthetic history (``pledge demo``)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.conf import settings

from pledge.correspondence.models import Message
from pledge.demo.email_orders import email_orders_fill
from pledge.demo.history import History, stream, years_before
from pledge.demo.report import DemoReport, census, first_due, log_periods
from pledge.demo.story import OrderStory, Story
from pledge.demo.traffic import traffic_fill
from pledge.demo.web_shop import shop_fill
from pledge.policy import Policy
from pledge.retention.holds import hold_place
from pledge.retention.models import LegalHold
from pledge.shop.catalogue import catalogue_seed_demo
from pledge.shop.models import PURCHASES, Order, Payment
from pledge.traffic.models import Ingest

MAX_YEARS = 20


class DemoRefused(Exception):
    """The data directory is not one a demo may fill (it holds data already)."""


def _check_empty(directory: Path) -> None:
    if directory.exists():
        raise DemoRefused(f"{directory} exists: a demo fills a fresh data directory only")
    for model, what in ((Order, "orders"), (Message, "mail"), (Ingest, "imported logs")):
        if model.objects.exists():
            raise DemoRefused(
                f"the data directory {settings.DATA_DIR} already holds {what}: a demo fills a "
                "fresh one only (set PLEDGE_DATA_DIR to an empty directory)"
            )


def demo_fill(*, years: int, end: dt.date, seed: int, policy: Policy | None = None) -> DemoReport:
    """Fill the (migrated, empty) data directory with ``years`` of history ending at ``end``.

    The files are written under ``DATA_DIR/demo`` and imported through the services of the
    import commands; the same seed makes the same history. Returns what was made.
    """
    started = time.perf_counter()
    policy = policy or settings.POLICY
    if not 1 <= years <= MAX_YEARS:
        raise DemoRefused(f"--years {years}: give 1 to {MAX_YEARS}")
    directory = Path(settings.DATA_DIR) / "demo"
    _check_empty(directory)
    history = History.ending(end=end, years=years, policy=policy)
    report = DemoReport(policy, history.start, history.end, seed, directory)
    catalogue_seed_demo(printing=not policy.accounts.registration)

    clock = time.perf_counter()
    traffic = traffic_fill(
        rng=stream(seed, "logs"), history=history, policy=policy, directory=directory / "logs"
    )
    report.timings["logs"] = time.perf_counter() - clock
    clock = time.perf_counter()
    for log in traffic.files:
        report.files.append(
            (log.path, f"{log.lines:,} access log lines, {log.first} to {log.last}")
        )
    keeps = policy.web_logs.keep
    report.made.append(
        f"logs ingest: {traffic.read:,} lines read, {traffic.counted:,} "
        f"{'kept encrypted' if keeps else 'counted, not kept'} ({traffic.bots:,} from bots), "
        f"{traffic.rejected:,} unreadable ({'quarantined' if keeps else 'reported'}), "
        f"{traffic.refused:,} refused as expired"
    )
    if policy.accounts.registration:
        shop = shop_fill(rng=stream(seed, "shop"), history=history, policy=policy)
        report.made += [
            f"customers: {shop.customers} registered through the form ({shop.ticked} ticked the "
            f"marketing box; {shop.changed} changed their mind later on their account page), "
            f"{shop.guests} more ordered as guests",
            f"orders: {shop.orders:,} from the web shop ({shop.completed:,} delivered), "
            f"{shop.payments:,} card payments",
        ]
    else:
        done = email_orders_fill(seed=seed, history=history, policy=policy, directory=directory)
        report.files += [
            (done.mail.path, f"{done.mail.messages:,} messages"),
            (done.statements.paypal, f"{done.statements.paypal_rows:,} PayPal rows"),
            (done.statements.bank, f"{done.statements.bank_rows:,} bank statement rows"),
        ]
        mail = done.mail_report
        report.made += [
            f"mail import: {mail.read:,} messages, stored as {mail.copies:,} copies (one per "
            f"correspondent), {mail.problems} not imported",
            f"orders by email: {len(done.story.orders):,} entered as the operator enters them",
            f"payments import, PayPal: {done.paypal.imported:,} payments, "
            f"{done.paypal.matched:,} matched to their orders by reference; "
            f"{len(done.paypal.skipped):,} rows not payments (withdrawals), skipped",
            f"payments import, bank: {done.bank.imported:,} transfers, {done.bank.matched:,} "
            f"matched by reference, {done.bank.unmatched} without one (matched by hand "
            f"afterwards: {done.matched_by_hand}); {len(done.bank.skipped):,} rows money out, "
            "skipped",
        ]
        report.holds.append(_hold(done.story.orders, history, policy))
        report.erasures = _erasure_examples(done.story, history)
    report.timings["shop and mail"] = time.perf_counter() - clock
    anchors = list(Order.objects.exclude(completed_at=None).values_list("completed_at", flat=True))
    anchors += list(Payment.objects.values_list("received_at", flat=True))
    report.first_ledger_due = first_due(policy, PURCHASES, anchors)
    report.stored = census(policy)
    report.periods = log_periods(policy)
    report.seconds = time.perf_counter() - started
    return report


def _hold(orders: list[OrderStory], history: History, policy: Policy) -> LegalHold:
    """A tax audit of the first years: the records of the first customer who got an order are
    held until three years after the first of them falls due, so a sweep planned in between
    shows them held and one after shows them go."""
    first = next(s for s in orders if s.completed_at is not None)
    subject = Order.objects.get(pk=first.order_id).subject_id
    anchors = [
        first.completed_at,
        *Payment.objects.filter(subject_id=subject).values_list("received_at", flat=True),
    ]
    due = first_due(policy, PURCHASES, [a for a in anchors if a is not None]) or history.finish
    until = dt.datetime(due.astimezone(history.zone).year + 3, 12, 31, tzinfo=history.zone)
    return hold_place(
        subject=subject,
        reason="tax audit of the first fiscal years: the customer's orders are evidence",
        reference=f"TAX-AUDIT-{history.start.year}",
        expires_at=until,
        actor="demo",
    )


def _erasure_examples(story: Story, history: History) -> list[tuple[str, str]]:
    """People whose erasure request shows something (decided with today's clock, as ``pledge
    rights erase`` is): held; mail past its five years but a ledger kept; mail too recent."""
    held = next(o.person for o in story.orders if o.completed_at is not None)  # as ``_hold``
    last: dict[str, dt.datetime] = {}
    for order in story.orders:
        moments = [order.placed_at, order.answered_at, order.dispatched_at, order.paid_at]
        last[order.person.email] = max(
            [last.get(order.person.email, order.placed_at), *(m for m in moments if m is not None)]
        )
        if order.colleague is not None:  # copied: a message of theirs too
            email = order.colleague.email
            last[email] = max(last.get(email, order.placed_at), order.placed_at)
    for enquiry in story.enquiries:
        moments = [enquiry.at, enquiry.answered_at]
        last[enquiry.person.email] = max(
            [last.get(enquiry.person.email, enquiry.at), *(m for m in moments if m is not None)]
        )
    five_years = history.at(years_before(history.end, 5))
    ordered = {o.person.email for o in story.orders} - {held.email}
    examples = [(held.email, "held: nothing goes, and the answer says why")]
    old = sorted(e for e in ordered if last[e] < five_years)
    if old:
        examples.append((old[0], "mail over five years old goes; the orders stay, with the rule"))
    recent = sorted(
        (e for e in last if last[e] >= history.finish - dt.timedelta(days=90)),
        key=lambda e: last[e],
    )
    if recent:
        examples.append(
            (recent[0], "mail kept: refused until five years have passed, with the date")
        )
    return examples
