"""What happens in a demo's years, decided before anything is written: who orders what and
when, how they pay, when it is dispatched and delivered, who writes with a question.

Everything is drawn from one seeded generator, in one order, so a seed always tells the same
story. Writing it down (mail, statements, the shop's own records) comes after, in other modules.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from pledge.demo.history import History
from pledge.demo.people import Person, people_make

# Postage as an operator in Japan types it in: method and price in yen, by destination.
DOMESTIC = [
    ("Click Post", Decimal("185")),
    ("Letter Pack Plus", Decimal("520")),
    ("Yu-Pack", Decimal("1100")),
]
ABROAD = [("International ePacket", Decimal("1200")), ("EMS", Decimal("2900"))]
QUESTIONS = [
    (
        "Ribbon feed problem on an MD-5000",
        "Since last week my MD-5000 stops half-way through a page and the ribbon light blinks. "
        "I have attached a photo of the print. Is this something you can fix?",
    ),
    (
        "Do you still service the MD-1300?",
        "I have an MD-1300 that has not been used for a few years. Can you clean and check it, "
        "and how long would it take?",
    ),
    (
        "Shipping a printer to you",
        "What is the best way to send my printer for servicing? Should I remove the cassette?",
    ),
    (
        "Invoice for our accounts",
        "Could you send a formal invoice for our last order, addressed to our company?",
    ),
    (
        "Metallic ribbons in stock?",
        "Are the metallic gold and silver ribbons in stock at the moment? We need ten of each.",
    ),
    (
        "MD-5500 print head",
        "The print head of our MD-5500 leaves a white line. Is a replacement possible?",
    ),
]
QUESTIONS_JA = [
    (
        "MD-5000のリボンについて",
        "MD-5000用のリボンカセットはまだ購入できますか。"
        "在庫があれば、シアンとマゼンタを各二つお願いしたいです。",
    ),
    (
        "修理の見積もり",
        "MD-1500の印字がかすれます。修理の費用と期間を教えてください。写真を添付します。",
    ),
    ("支払い方法", "銀行振込で支払いたいのですが、振込先を教えていただけますか。"),
]


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    quantity: int
    unit_price: Decimal
    slug: str


@dataclass
class OrderStory:
    number: int
    person: Person
    placed_at: dt.datetime
    items: list[Item]
    postage_method: str
    postage: Decimal
    method: str  # "paypal" or "bank-transfer"
    answered_at: dt.datetime
    paid_at: dt.datetime | None  # None: not paid by the end of the history
    dispatched_at: dt.datetime | None
    completed_at: dt.datetime | None  # delivered: the ledger's retention counts from here
    quotes_reference: bool = True  # a bank transfer whose payer forgot the reference
    colleague: Person | None = None  # copied on the order email
    purchase_order: bool = False  # a PDF attached to the order email
    tells_payment: bool = False  # writes "I have paid" after a bank transfer
    reference: str = ""  # the shop's, once the order is entered
    order_id: object = None

    @property
    def total(self) -> Decimal:
        return sum((i.unit_price * i.quantity for i in self.items), Decimal("0")) + self.postage


@dataclass(frozen=True, slots=True)
class Enquiry:
    number: int
    person: Person
    at: dt.datetime
    subject: str
    body: str
    answered_at: dt.datetime | None
    photo: bool


@dataclass
class Story:
    history: History
    customers: list[Person]
    correspondents: list[Person]
    orders: list[OrderStory] = field(default_factory=list)
    enquiries: list[Enquiry] = field(default_factory=list)


def _office_hours(rng: random.Random, history: History, day: dt.date) -> dt.datetime:
    return history.at(day, rng.uniform(8.5 * 3600, 22 * 3600))


def _later(rng: random.Random, history: History, at: dt.datetime, days: float) -> dt.datetime:
    """A business moment about ``days`` after ``at``: the same or a later day, in office hours."""
    day = (at + dt.timedelta(days=days)).astimezone(history.zone).date()
    moment = history.at(day, rng.uniform(9 * 3600, 19 * 3600))
    return max(moment, at + dt.timedelta(minutes=rng.uniform(20, 90)))


def _order(
    rng: random.Random,
    history: History,
    number: int,
    person: Person,
    day: dt.date,
    products: list[tuple[str, str, Decimal]],
    colleagues: list[Person],
) -> OrderStory:
    placed = _office_hours(rng, history, day)
    chosen = rng.sample(products, k=min(len(products), 1 + int(rng.expovariate(1.2))))
    items = [Item(name, 1 + int(rng.expovariate(0.9)), price, slug) for slug, name, price in chosen]
    method, price = rng.choice(DOMESTIC if person.country == "JP" else ABROAD)
    pays = "paypal" if rng.random() < (0.55 if person.country == "JP" else 0.9) else "bank-transfer"
    answered = _later(rng, history, placed, 0.1)
    paid = answered + dt.timedelta(days=rng.uniform(0.05, 1.5 if pays == "paypal" else 5))
    if pays == "bank-transfer":  # a statement shows the day only: the payment is that day
        local = paid.astimezone(history.zone).date()
        paid = history.at(local)
        paid = max(paid, history.at(answered.astimezone(history.zone).date() + dt.timedelta(1)))
    dispatched = _later(rng, history, paid, rng.uniform(0.5, 3))
    completed = dispatched + dt.timedelta(
        days=rng.uniform(1, 3) if person.country == "JP" else rng.uniform(5, 12)
    )
    finish = history.finish
    return OrderStory(
        number=number,
        person=person,
        placed_at=placed,
        items=items,
        postage_method=method,
        postage=price,
        method=pays,
        answered_at=answered,
        paid_at=paid if paid < finish else None,
        dispatched_at=dispatched if dispatched < finish and paid < finish else None,
        completed_at=completed if completed < finish and paid < finish else None,
        quotes_reference=pays == "paypal" or rng.random() > 0.03,
        colleague=rng.choice(colleagues) if rng.random() < 0.05 else None,
        purchase_order=rng.random() < 0.06,
        tells_payment=pays == "bank-transfer" and rng.random() < 0.3,
    )


def story_make(
    *, rng: random.Random, history: History, products: list[tuple[str, str, Decimal]]
) -> Story:
    """Orders by email (about one a week, more as the years go by) and questions (one a week).

    ``products``: (slug, name, unit price) of the catalogue the orders draw from.
    """
    weeks = max(history.days // 7, 1)
    customers = people_make(rng, max(20, weeks // 3))
    correspondents = people_make(rng, max(10, weeks // 4), first=len(customers))
    story = Story(history, customers, correspondents)
    # A fifth of the customers order again and again; the rest once or twice.
    regulars = customers[: len(customers) // 5]
    for day in history.each_day():
        rate = (0.6 + 1.0 * history.share(day)) / 7
        while rng.random() < rate:
            rate -= 1.0
            person = rng.choice(regulars) if rng.random() < 0.45 else rng.choice(customers)
            story.orders.append(
                _order(rng, history, len(story.orders) + 1, person, day, products, correspondents)
            )
        if rng.random() < 1 / 7:
            person = rng.choice(correspondents + customers[:10])
            subject, body = rng.choice(
                QUESTIONS_JA if person.country == "JP" and rng.random() < 0.5 else QUESTIONS
            )
            at = _office_hours(rng, history, day)
            answered = _later(rng, history, at, rng.uniform(0, 2))
            story.enquiries.append(
                Enquiry(
                    len(story.enquiries) + 1,
                    person,
                    at,
                    subject,
                    body,
                    answered if answered < history.finish else None,
                    photo="写真" in body or "photo" in body,
                )
            )
    return story
