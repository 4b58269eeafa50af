"""An information site that takes orders by email (alps): its orders, mail and statements.

The story is written down first as the files a business has (an mbox, a PayPal download, a
bank statement), then taken in through the services of ``pledge mail import`` and
``pledge payments import``, exactly as an operator would import them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from pledge.correspondence.importing import ImportReport
from pledge.correspondence.services import messages_import
from pledge.correspondence.sources import DEFAULT_MAX_BYTES, envelopes
from pledge.demo.history import History, stream
from pledge.demo.mailbox import MailWritten, mailbox_write
from pledge.demo.orders import orders_deliver, orders_enter, payments_match_by_hand
from pledge.demo.statements import StatementsWritten, statements_write
from pledge.demo.story import Story, story_make
from pledge.policy import Policy
from pledge.shop.ledger import PaymentsReport, payments_import
from pledge.shop.models import Product
from pledge.shop.stats import order_tallies_update


@dataclass(frozen=True, slots=True)
class EmailOrdersDone:
    story: Story
    mail: MailWritten
    mail_report: ImportReport
    statements: StatementsWritten
    paypal: PaymentsReport
    bank: PaymentsReport
    matched_by_hand: int


def email_orders_fill(
    *, seed: int, history: History, policy: Policy, directory: Path
) -> EmailOrdersDone:
    products = [
        (p.slug, p.name, p.price)
        for p in Product.objects.filter(active=True)
        .exclude(price__lte=Decimal("0"))
        .order_by("slug")
    ]
    story = story_make(rng=stream(seed, "story"), history=history, products=products)
    orders_enter(orders=story.orders, currency=settings.SHOP_CURRENCY)
    own = policy.controller.own_addresses
    orders_address = next((a for a in own if a.startswith("orders@")), policy.controller.email)
    mail = mailbox_write(
        rng=stream(seed, "mail"),
        story=story,
        general=policy.controller.email,
        orders=orders_address,
        name=policy.controller.name,
        path=directory / "mail" / "correspondence.mbox",
    )
    statements = statements_write(
        rng=stream(seed, "statements"),
        history=history,
        orders=story.orders,
        own=orders_address,
        directory=directory / "payments",
        currency=settings.SHOP_CURRENCY,
    )
    # ``pledge mail import``'s service, with the clock at the end of the history (so a history
    # ending in the future still reads its dates as plausible).
    mail_report = messages_import(
        envelopes=envelopes(mail.path, max_bytes=DEFAULT_MAX_BYTES), now=history.finish
    )
    # ``pledge payments import``: each file, then the anonymised order statistics.
    paypal = payments_import(path=statements.paypal, actor="demo")
    bank = payments_import(path=statements.bank, actor="demo")
    matched = payments_match_by_hand(orders=story.orders)
    orders_deliver(orders=story.orders)
    order_tallies_update(policy=policy)
    return EmailOrdersDone(story, mail, mail_report, statements, paypal, bank, matched)
