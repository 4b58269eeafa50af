"""Passwords of customers imported from the former shop (JC4).

The former system kept each password as an unsalted SHA-512 hex digest: the "512bit encryption"
of the original notice. A bare unsalted digest falls to a precomputed table or a GPU in hours,
so pledge never stores one. On import each digest is wrapped in Argon2id, the hasher pledge uses
for every other password, which makes the stored value as slow to attack as a fresh Argon2id
hash; at the customer's first successful sign-in Django's ``check_password`` sees ``must_update``
and rehashes the password itself with the first hasher in ``PASSWORD_HASHERS`` (plain Argon2id),
after which nothing of the legacy scheme remains.

This is the "wrapped" hasher of Django's documentation (there, unsalted SHA-1 inside PBKDF2),
built by composition: the inner hash is exactly Django's ``Argon2PasswordHasher``, so its
parameters, salt handling and verification are Django's, and only the prefix differs::

    argon2_sha512$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>

where the Argon2id input is the lowercase hex SHA-512 digest of the UTF-8 password.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher, BasePasswordHasher, get_hasher
from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import force_bytes
from django.utils.translation import gettext_noop as _

_SHA512_HEX = re.compile(r"[0-9a-fA-F]{128}")


class LegacySHA512Argon2Hasher(BasePasswordHasher):
    """Argon2id over the SHA-512 hex digest the former shop stored; always due for an update."""

    algorithm = "argon2_sha512"
    library = "argon2"

    def __init__(self) -> None:
        self.inner = Argon2PasswordHasher()

    def salt(self) -> str:
        return self.inner.salt()

    def encode(self, password: str | bytes, salt: str) -> str:
        return self.encode_sha512_digest(_sha512_hex(password), salt)

    def encode_sha512_digest(self, digest_hex: str, salt: str | None = None) -> str:
        """Wrap a digest taken from the former system, without knowing the password.

        Upper-case hex is accepted and lower-cased, since that is what ``verify`` recomputes.
        The digest is never echoed in an error: it is as good as the password to a cracker.
        """
        if not isinstance(digest_hex, str) or not _SHA512_HEX.fullmatch(digest_hex):
            raise ValueError("a SHA-512 digest is exactly 128 hexadecimal characters")
        inner = self.inner.encode(digest_hex.lower(), salt or self.salt())
        return self.algorithm + inner.removeprefix(self.inner.algorithm)

    def verify(self, password: str | bytes, encoded: str) -> bool:
        return self.inner.verify(_sha512_hex(password), self._inner_encoded(encoded))

    def decode(self, encoded: str) -> dict[str, Any]:
        return {**self.inner.decode(self._inner_encoded(encoded)), "algorithm": self.algorithm}

    def safe_summary(self, encoded: str) -> dict[str, Any]:
        summary = self.inner.safe_summary(self._inner_encoded(encoded))
        return {**summary, _("algorithm"): self.algorithm}

    def must_update(self, encoded: str) -> bool:
        # Always: the point of this hasher is to disappear at each customer's next sign-in.
        return True

    def harden_runtime(self, password: str | bytes, encoded: str) -> None:
        # As for Argon2: no sensible hardening. Django calls this only when the hasher is the
        # preferred one, which this never is.
        pass

    def _inner_encoded(self, encoded: str) -> str:
        algorithm, rest = encoded.split("$", 1)
        if algorithm != self.algorithm:
            raise ValueError(f"not an {self.algorithm} hash")
        return f"{self.inner.algorithm}${rest}"


def encode_sha512_digest(digest_hex: str) -> str:
    """The stored form of a legacy digest, through the configured hasher.

    Going through ``PASSWORD_HASHERS`` (``get_hasher`` raises if the hasher is not listed)
    means pledge never stores a password that no configured hasher could verify.
    """
    hasher = get_hasher(LegacySHA512Argon2Hasher.algorithm)
    if not isinstance(hasher, LegacySHA512Argon2Hasher):
        raise ImproperlyConfigured(
            f"PASSWORD_HASHERS maps {LegacySHA512Argon2Hasher.algorithm!r} to another class"
        )
    return hasher.encode_sha512_digest(digest_hex)


def _sha512_hex(password: str | bytes) -> str:
    # The former shop hashed the UTF-8 bytes of what was typed; so must we, to match.
    return hashlib.sha512(force_bytes(password)).hexdigest()
