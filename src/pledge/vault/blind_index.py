"""Blind index: find a person by email address without storing the address in clear.

HMAC-SHA256 under a key of its own (a named data key in the key database, wrapped by the master
key like every other), over a normalised address, so equal addresses match whatever their case
or surrounding space, and the index reveals nothing without the key.
"""

from __future__ import annotations

import unicodedata

from pledge.vault import crypto, keyring

EMAIL_INDEX_KEY = keyring.KeyRef(category="vault.blind_index", name="email")


def normalise_email(address: str) -> str:
    """Case-fold and NFKC-normalise an address; mail systems treat these forms as one."""
    return unicodedata.normalize("NFKC", address).strip().casefold()


_cached: bytes | None = None


def index_key() -> bytes:
    """The index key, read once per process: it is never shredded, and a master-key rotation
    rewraps it without changing it, so the cache cannot go stale. (Subject keys are never
    cached: a cached copy could outlive a shred.)"""
    global _cached
    if _cached is None:
        _cached = keyring.get_or_create(EMAIL_INDEX_KEY)
    return _cached


def reset_cache() -> None:
    """For tests that replace the key database under a running process."""
    global _cached
    _cached = None


def email_index(address: str) -> str:
    """The hex blind index of an email address."""
    return crypto.mac(index_key(), normalise_email(address).encode("utf-8"))
