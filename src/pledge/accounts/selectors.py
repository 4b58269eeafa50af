"""Reads about accounts."""

from __future__ import annotations

from pledge.accounts.models import User


def operator_exists() -> bool:
    return User.objects.filter(is_staff=True, is_active=True).exists()
