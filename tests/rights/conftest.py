"""People to make requests about: a japan-centre customer, an alps correspondent, a stranger."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail

from pledge.accounts.services import account_activate, customer_register
from pledge.notices.selectors import notice_current
from pledge.policy import load
from pledge.shop.basket import BasketLine
from pledge.shop.models import Order, PaymentMethod, Product
from pledge.shop.services import Delivery, order_place
from pledge.vault.models import Subject, SubjectKind
from pledge.vault.services import subject_for_email
from tests.vaultcases.models import Dossier

POLICIES = Path(__file__).resolve().parents[2] / "policies"
EMAIL = "kaori@example.jp"
NAME = "Kaori Sato"
ADDRESS = "1 Piccadilly, London W1J 0DA"
LETTER = "Dear shop, my miso has not arrived. Kaori"


@dataclass
class Customer:
    subject: Subject
    email: str
    order: Order


def product() -> Product:
    return Product.objects.get_or_create(
        slug="white-miso",
        defaults={
            "name": "White miso 500g",
            "section": "Pantry",
            "description": "Sweet, mild miso.",
            "price": Decimal("4.50"),
            "stock": 20,
        },
    )[0]


def make_customer(email: str = EMAIL, *, marketing: bool = True) -> Customer:
    """Registered and active, with one order and one letter to the shop."""
    from django.conf import settings

    result = customer_register(
        name=NAME,
        email=email,
        postal_address=ADDRESS,
        phone="020 7000 0000",
        password="a long passphrase for tests",
        marketing=marketing,
        notice=notice_current(policy=settings.POLICY),
    )
    assert result.user is not None
    account_activate(user=result.user)
    subject = result.user.subject
    order = order_place(
        lines=[BasketLine(product(), 2)],
        delivery=Delivery(NAME, ADDRESS, "GB", email),
        payment_method=PaymentMethod.BANK_TRANSFER,
        subject=subject,
    )
    Dossier.objects.create(subject=subject, received_at=dt.datetime.now(dt.UTC), body=LETTER)
    return Customer(subject, email, order)


@pytest.fixture
def customer(db: None) -> Customer:
    return make_customer()


@pytest.fixture
def alps(settings):  # type: ignore[no-untyped-def]
    settings.POLICY = load(POLICIES / "alps.yaml")
    return settings.POLICY


def correspondent(email: str, *received: dt.datetime) -> Subject:
    """An alps correspondent: letters received at the given instants, nothing else."""
    subject = subject_for_email(email=email, kind=SubjectKind.CORRESPONDENT)
    for when in received:
        Dossier.objects.create(subject=subject, received_at=when, body=f"Letter of {when:%Y}")
    return subject


def link_in(message: mail.EmailMessage) -> str:
    """The path of the one-time link in a message sent through the test client's site."""
    found = re.search(r"https?://[^/\s]+(/rights/verify/\S+/)", message.body)
    assert found, message.body
    return found[1]
