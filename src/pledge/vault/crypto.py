"""The two primitives the vault is built on: AES-256-GCM sealing and HMAC-SHA256.

Every ciphertext carries a version byte and a random 96-bit nonce; the associated data binds it
to where it belongs (a key handle, or model, field and primary key), so a ciphertext moved
elsewhere fails to open instead of decrypting into the wrong place.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32


class SealBroken(Exception):
    """A ciphertext did not open: altered, truncated, moved, or under another key."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != VERSION:
        raise SealBroken("not a pledge ciphertext (wrong version or too short)")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, associated)
    except InvalidTag:
        raise SealBroken("authentication failed") from None


def mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()
