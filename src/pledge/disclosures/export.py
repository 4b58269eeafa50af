"""The encrypted export that carries a disclosure: AES-256-GCM under a key from a passphrase.

The file goes to the recipient one way (a download, a disc) and the passphrase another (read
out on the phone, a separate letter), so neither alone opens it. The passphrase is random (200
bits), printed once and kept nowhere; the key is derived from it with scrypt, so even a copy of
the file and a long guessing effort open nothing. The header (magic, salt, scrypt parameters)
is bound to the ciphertext as associated data, so it cannot be altered either. Sealing is the
vault's own ``crypto.seal``.

The format, for a recipient without pledge (``README`` beside each export says the same):

    b"PLEDGE-EXPORT-1\\n" | salt (16 bytes) | log2 N, r, p (one byte each) | crypto.seal output
    crypto.seal output = 0x01 | nonce (12 bytes) | AES-256-GCM ciphertext and tag
    key = scrypt(passphrase as UTF-8, salt, N, r, p, 32 bytes); associated data = the header
"""

from __future__ import annotations

import os
import secrets

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from pledge.vault import crypto

MAGIC = b"PLEDGE-EXPORT-1\n"
SALT_BYTES = 16
LOG2_N, R, P = 15, 8, 1  # 32 MiB and about a tenth of a second per try
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 5 bits a character, none easily misread
README = """\
This file holds data handed over under a legal obligation, encrypted (AES-256-GCM).
The passphrase comes to you separately. To open it with Python and the `cryptography` package:

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
    data = open("{name}", "rb").read()
    header, sealed = data[:35], data[35:]
    salt, (log2n, r, p) = header[16:32], header[32:35]
    key = Scrypt(salt=salt, length=32, n=2**log2n, r=r, p=p).derive(PASSPHRASE.encode())
    plain = AESGCM(key).decrypt(sealed[1:13], sealed[13:], header)
    open("export.zip", "wb").write(plain)

The result is a zip file. SHA-256 of the encrypted file: {sha256}
"""


class ExportBroken(Exception):
    """Not an export, or the wrong passphrase, or altered."""


def passphrase_new() -> str:
    """Eight groups of five characters: 200 random bits, easy to read out and type."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(40))
    return "-".join(chars[i : i + 5] for i in range(0, 40, 5))


def _key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=crypto.KEY_BYTES, n=2**log2_n, r=r, p=p).derive(
        passphrase.encode("utf-8")
    )


def export_seal(plaintext: bytes, passphrase: str) -> bytes:
    salt = os.urandom(SALT_BYTES)
    header = MAGIC + salt + bytes([LOG2_N, R, P])
    return header + crypto.seal(_key(passphrase, salt, LOG2_N, R, P), plaintext, header)


def export_open(sealed: bytes, passphrase: str) -> bytes:
    size = len(MAGIC) + SALT_BYTES + 3
    header, body = sealed[:size], sealed[size:]
    if len(header) != size or not header.startswith(MAGIC):
        raise ExportBroken("not a pledge export")
    salt, (log2_n, r, p) = header[len(MAGIC) : len(MAGIC) + SALT_BYTES], header[-3:]
    if not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
        raise ExportBroken("implausible scrypt parameters in the header")
    try:
        return crypto.unseal(_key(passphrase.strip(), salt, log2_n, r, p), body, header)
    except crypto.SealBroken:
        raise ExportBroken("wrong passphrase, or the file was altered") from None
