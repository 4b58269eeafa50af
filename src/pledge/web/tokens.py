"""One-time links: account activation and password reset."""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Like the reset token, plus the active flag: once used, the link is spent."""

    key_salt = "pledge.web.tokens.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):  # type: ignore[no-untyped-def]
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


activation_token = ActivationTokenGenerator()
reset_token = PasswordResetTokenGenerator()
