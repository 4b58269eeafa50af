"""Sign-in by email address, looked up through the blind index."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Django's model backend; the manager turns the typed address into its index."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):  # type: ignore[no-untyped-def,override]
        return super().authenticate(request, username=email or username, password=password)
