"""Writes about accounts: every change of an account goes through here."""

from __future__ import annotations

import secrets

from django.db import transaction

from pledge.accounts.models import User


@transaction.atomic
def operator_create(*, email: str, password: str | None = None) -> str:
    """Create an operator (staff superuser) account and return its password.

    A generated password is long and random; it is shown once and never stored in clear.
    """
    password = password or secrets.token_urlsafe(18)
    User.objects.create_superuser(email, password)
    return password
