"""The synthetic customer: made on the server, walked through the site, erased afterwards.

It is a ``Subject`` marked ``synthetic`` from the moment it exists (before the browser
registers it, so nothing of it is ever unmarked): statistics leave it out, and the erasure
service owes it no minimum keep, so the run leaves nothing of it behind. Its address is under
``.invalid``, a name that by standard (RFC 2606) reaches no one, so any mail the site sends it
goes nowhere. Its activation link is minted here, on the server, exactly as the site's own
mail would carry it.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pledge.accounts.models import ConsentRecord
from pledge.accounts.selectors import user_by_email
from pledge.datamap import registry
from pledge.datamap.erasure import subject_erase
from pledge.shop.selectors import products_active
from pledge.vault import keyring
from pledge.vault.models import Subject, SubjectKind
from pledge.vault.services import subject_create
from pledge.web.tokens import activation_token

ERASURE_REASON = "conformance run: synthetic customer"


@dataclass(frozen=True, slots=True)
class Customer:
    subject_id: uuid.UUID
    email: str
    password: str
    name: str = "Conformance Run"
    address: str = "1 Synthetic Street\nNowhere"


def customer_prepare() -> Customer:
    email = f"conform-{secrets.token_hex(6)}@conformance.invalid"
    subject = subject_create(kind=SubjectKind.CUSTOMER, email=email, synthetic=True)
    return Customer(subject_id=subject.pk, email=email, password=secrets.token_urlsafe(18))


def activation_path(customer: Customer) -> str | None:
    """The path of the account's activation link, or None when no account was opened for it."""
    user = user_by_email(email=customer.email)
    if user is None or user.subject_id != customer.subject_id:
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("web:activate", args=[uid, activation_token.make_token(user)])


def marketing_consent(customer: Customer) -> bool | None:
    """The marketing decision on record for the customer (None: nothing recorded)."""
    record = (
        ConsentRecord.objects.filter(subject_id=customer.subject_id, purpose="marketing")
        .order_by("-at")
        .first()
    )
    return None if record is None else record.given


def product_path() -> str | None:
    product = products_active().order_by("pk").first()
    return None if product is None else reverse("web:product", args=[product.slug])


@dataclass(frozen=True, slots=True)
class Erasure:
    outcomes: tuple[str, ...]  # per category, in the erasure service's own words
    leftovers: tuple[str, ...]  # anything of the subject still found afterwards


def customer_erase(customer: Customer) -> Erasure:
    """Erase the customer through the erasure service, then look for anything left of it."""
    outcomes = subject_erase(
        subject_id=customer.subject_id, reason=ERASURE_REASON, actor="conformance"
    )
    words = tuple(f"{o.category}: {o.words(settings.POLICY.time_zone)}" for o in outcomes)
    return Erasure(words, tuple(leftovers(customer.subject_id)))


def leftovers(subject_id: uuid.UUID) -> list[str]:
    found = []
    for holder in registry.holders(settings.POLICY):
        if holder.subject is None or holder.subject == "pk":
            continue  # the subject registry itself keeps a pseudonymous, index-free row
        count = holder.rows_of(subject_id).count()
        if count:
            found.append(f"{holder.label}: {count} row{'s' if count != 1 else ''}")
    found += [f"data key {ref.handle}" for ref in keyring.subject_refs(subject_id)]
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is not None and subject.email_index is not None:
        found.append("its blind index (its address still finds it)")
    return found
