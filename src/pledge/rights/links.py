"""The one-time link that proves a person controls the address they asked from.

The link's token is the address itself, sealed (AES-256-GCM, through the vault's ``crypto``)
under a key of its own and bound to the request's id. So the address is never at rest on our
side: it goes out in the message to that address, and comes back only when its owner follows
the link, which is also when an erasure needs it to send the outcome. The request keeps only
the token's SHA-256, so a link works once and a guessed or altered one opens nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

from pledge.vault import crypto, keyring

LINK_KEY = keyring.KeyRef(category="rights.links", name="address")


def _associated(request_id: uuid.UUID) -> bytes:
    return f"pledge.rights.link|{request_id}".encode()


def link_seal(*, request_id: uuid.UUID, address: str) -> str:
    """A URL-safe token carrying ``address``, openable only for ``request_id``."""
    key = keyring.get_or_create(LINK_KEY)
    sealed = crypto.seal(key, address.encode("utf-8"), _associated(request_id))
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def link_open(*, request_id: uuid.UUID, token: str) -> str | None:
    """The address a token carries, or None for a token that is not ours for this request."""
    key = keyring.get(LINK_KEY)
    if key is None:
        return None
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return crypto.unseal(key, sealed, _associated(request_id)).decode("utf-8")
    except (binascii.Error, ValueError, crypto.SealBroken):
        return None


def link_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def digest_matches(stored: str, token: str) -> bool:
    return bool(stored) and hmac.compare_digest(stored, link_digest(token))


class LinkRefused(Exception):
    """A link that cannot be used: ``why`` is "unknown", "used" or "expired"."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why
