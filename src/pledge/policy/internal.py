"""Categories pledge itself needs whatever the business's policy says.

The operator's own staff accounts (sign-in index, password hash, admin sessions and the admin's
change log) are personal data of the staff, not of customers or visitors, so a customer-facing
notice does not list them; they are still declared, kept for a purpose and erased like
everything else.
"""

from __future__ import annotations

from pledge.policy.schema import Category, Purpose

ADMINISTRATION = Purpose(
    id="administration",
    description="Running the site: staff sign-in and the record of what staff changed.",
    legal_basis="legitimate-interests",
)

OPERATOR_ACCOUNT = Category(
    id="operator.account",
    name="Staff accounts",
    fields=["sign-in index", "password hash", "admin sessions", "admin change log"],
    subject="operator",
    sources=["the operator admin"],
    purposes=["administration"],
    encrypted=False,
    retention={"anchor": "account-closed", "maximum": "0d"},
)

SUBJECT_IDENTITY = Category(
    id="subject.identity",
    name="Who we hold data about",
    fields=["a random identifier", "a keyed fingerprint of the email address"],
    subject="customer",
    sources=["any first contact: registration, an order, an email"],
    purposes=["administration"],
    encrypted=False,
    retention={"anchor": "account-closed", "maximum": "0d"},
)

INTERNAL_CATEGORIES = (OPERATOR_ACCOUNT, SUBJECT_IDENTITY)
INTERNAL_PURPOSES = (ADMINISTRATION,)
