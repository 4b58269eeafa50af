"""A web shop's years (japan-centre): customers, their marketing choices, orders, payments.

Customers register through ``customer_register`` (the registration form's service), choosing
whether to receive marketing; some change their mind later on their account page
(``consent_record``). Orders go through ``order_place`` (the checkout's service), from
customers and from guests, are paid on the card provider's page (``payment_record``) and
delivered (``order_complete``).

Those services stamp the present moment, which is right for a live site; a history needs its
own instants, so each record's time columns are then set to the story's, in one update per
record. Passwords are hashed with Argon2id (a quarter of a second each), so only some
customers register; the rest order as guests, as many do.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass

from django.db import transaction

from pledge.accounts.models import ConsentRecord, Profile, User
from pledge.accounts.services import (
    ACCOUNT_FORM,
    MARKETING,
    account_activate,
    consent_record,
    customer_register,
)
from pledge.demo.history import History
from pledge.demo.people import COUNTRIES_UK, Person, people_make
from pledge.notices.selectors import notice_current
from pledge.policy import Policy
from pledge.shop.basket import BasketLine
from pledge.shop.models import Order, OrderStatus, Payment, PaymentMethod, Product
from pledge.shop.services import Delivery, order_complete, order_place, payment_record
from pledge.vault.models import Subject

REGISTERED_PER_YEAR = 5


@dataclass(frozen=True, slots=True)
class ShopDone:
    customers: int
    guests: int
    ticked: int  # the marketing box, at registration
    changed: int  # changed their mind later
    orders: int
    completed: int
    payments: int


def _registered(
    rng: random.Random, history: History, policy: Policy, people: list[Person]
) -> tuple[dict[str, Subject], int, int]:
    """Register ``people`` over the history; their subjects, how many ticked the marketing box,
    how many changed their mind later."""
    notice = notice_current(policy=policy)
    subjects, ticked, changed = {}, 0, 0
    for person in people:
        joined = history.at(
            history.start + dt.timedelta(days=rng.randrange(history.days)),
            rng.uniform(8 * 3600, 23 * 3600),
        )
        marketing = rng.random() < 0.4
        registration = customer_register(
            name=person.name,
            email=person.email,
            postal_address=person.address,
            phone=person.phone,
            password=secrets.token_urlsafe(16),
            marketing=marketing,
            notice=notice,
        )
        user = registration.user
        assert user is not None
        account_activate(user=user)
        User.objects.filter(pk=user.pk).update(date_joined=joined)
        Profile.objects.filter(subject=user.subject).update(created_at=joined, updated_at=joined)
        ConsentRecord.objects.filter(subject=user.subject).update(at=joined)
        ticked += marketing
        if rng.random() < 0.25:  # a change of mind, later, on the account page
            moment = joined + dt.timedelta(days=rng.uniform(10, 400))
            if moment < history.finish:
                record = consent_record(
                    subject=user.subject,
                    purpose=MARKETING,
                    given=not marketing,
                    form=ACCOUNT_FORM,
                    notice=notice,
                )
                if record is not None:
                    ConsentRecord.objects.filter(pk=record.pk).update(at=moment)
                    changed += 1
        subjects[person.email] = user.subject
    return subjects, ticked, changed


def shop_fill(*, rng: random.Random, history: History, policy: Policy) -> ShopDone:
    """Customers, consents, orders and payments over the history."""
    years = max(history.days // 365, 1)
    people = people_make(rng, 40 * years, countries=COUNTRIES_UK)
    registered = people[: REGISTERED_PER_YEAR * years]
    subjects, ticked, changed = _registered(rng, history, policy, registered)
    products = list(Product.objects.filter(active=True).order_by("slug"))
    orders = completed = payments = 0
    for day in history.each_day():
        rate = (1.0 + 2.0 * history.share(day)) / 7
        while rng.random() < rate:
            rate -= 1.0
            person = rng.choice(people)
            placed = history.at(day, rng.uniform(7 * 3600, 23.5 * 3600))
            lines = [
                BasketLine(p, 1 + int(rng.expovariate(1.0)))
                for p in rng.sample(products, k=1 + int(rng.expovariate(0.8)) % 4)
            ]
            with transaction.atomic():
                order = order_place(
                    lines=lines,
                    delivery=Delivery(
                        person.name, person.address, person.country, person.email, person.phone
                    ),
                    payment_method=PaymentMethod.HOSTED_CARD_PAGE,
                    subject=subjects.get(person.email),
                )
                paid = placed + dt.timedelta(minutes=rng.uniform(1, 6))
                delivered = paid + dt.timedelta(days=rng.uniform(1.5, 6))
                payment = payment_record(
                    order=order,
                    method=PaymentMethod.HOSTED_CARD_PAGE,
                    amount=order.total,
                    reference=f"card-{rng.getrandbits(48):012x}",
                )
                Payment.objects.filter(pk=payment.pk).update(received_at=paid)
                state: dict[str, object] = {"placed_at": placed, "paid_at": paid}
                if delivered < history.finish:
                    order_complete(order=order)
                    state["completed_at"] = delivered
                    completed += 1
                else:
                    state["status"] = OrderStatus.PAID
                Order.objects.filter(pk=order.pk).update(**state)
            orders += 1
            payments += 1
    return ShopDone(
        len(registered),
        len(people) - len(registered),
        ticked,
        changed,
        orders,
        completed,
        payments,
    )
