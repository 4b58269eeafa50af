"""Legacy SHA-512 passwords: stored only wrapped in Argon2id, upgraded at the first sign-in."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import check_password, identify_hasher

from pledge.accounts.hashers import LegacySHA512Argon2Hasher, encode_sha512_digest

# FIPS 180-2, appendix C.1: SHA-512("abc").
ABC_SHA512 = (
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
)
PASSWORD = "kome to miso 1998"


def _legacy_account(email: str = "kaori@example.jp", password: str = PASSWORD):
    """An account as the import leaves it: only the wrapped digest of the old password."""
    user = get_user_model().objects.create_user(email, None)
    user.password = encode_sha512_digest(hashlib.sha512(password.encode()).hexdigest())
    user.save(update_fields=["password"])
    return user


def _stored_password(user) -> str:
    return get_user_model().objects.values_list("password", flat=True).get(pk=user.pk)


def test_the_fips_vector_is_what_the_former_system_stored_for_abc():
    # Given the published vector, then our digest of "abc" agrees with it: we hash what it hashed.
    assert hashlib.sha512(b"abc").hexdigest() == ABC_SHA512


@pytest.mark.clause("JC4")
def test_a_legacy_digest_is_stored_only_wrapped():
    # When the former system's digest of "abc" is wrapped
    encoded = encode_sha512_digest(ABC_SHA512)
    # Then it is an Argon2id hash under its own prefix, and the digest itself is nowhere in it
    assert encoded.startswith("argon2_sha512$argon2id$v=19$")
    assert ABC_SHA512 not in encoded.lower()
    assert ABC_SHA512[:32] not in encoded.lower()


@pytest.mark.clause("JC4")
def test_the_right_password_verifies_and_a_wrong_one_does_not():
    encoded = encode_sha512_digest(ABC_SHA512)
    hasher = LegacySHA512Argon2Hasher()
    assert hasher.verify("abc", encoded)
    assert not hasher.verify("abd", encoded)
    assert not hasher.verify("ABC", encoded)
    # Nor does the digest itself work as a password: stealing it from the old system gives nothing.
    assert not hasher.verify(ABC_SHA512, encoded)


def test_django_recognises_the_format_and_always_asks_to_upgrade_it():
    encoded = encode_sha512_digest(ABC_SHA512)
    assert identify_hasher(encoded).algorithm == "argon2_sha512"
    assert check_password("abc", encoded)
    assert LegacySHA512Argon2Hasher().must_update(encoded)


def test_a_digest_in_upper_case_is_accepted_as_the_same_digest():
    assert check_password("abc", encode_sha512_digest(ABC_SHA512.upper()))


@pytest.mark.parametrize(
    "digest",
    [
        "",
        ABC_SHA512[:-1],
        ABC_SHA512 + "0",
        ABC_SHA512[:-1] + "g",
        hashlib.sha256(b"abc").hexdigest(),
        f" {ABC_SHA512}",
    ],
)
def test_anything_but_128_hex_characters_is_refused_without_being_echoed(digest):
    with pytest.raises(ValueError, match="exactly 128 hexadecimal characters") as raised:
        encode_sha512_digest(digest)
    assert ABC_SHA512[:16] not in str(raised.value)


def test_a_password_set_through_the_hasher_verifies():
    # make_password(hasher="argon2_sha512") goes through encode(): the same wrapping.
    hasher = LegacySHA512Argon2Hasher()
    encoded = hasher.encode("abc", hasher.salt())
    assert hasher.verify("abc", encoded)
    assert hasher.decode(encoded)["algorithm"] == "argon2_sha512"
    assert hasher.safe_summary(encoded)["algorithm"] == "argon2_sha512"


@pytest.mark.django_db
@pytest.mark.clause("JC4")
def test_the_first_successful_sign_in_upgrades_to_plain_argon2id(client):
    # Given a customer imported with their old password's digest
    user = _legacy_account()
    assert _stored_password(user).startswith("argon2_sha512$")
    # When they sign in with that password
    assert authenticate(email="kaori@example.jp", password=PASSWORD) == user
    assert client.login(email="kaori@example.jp", password=PASSWORD)
    # Then their password is stored as a plain Argon2id hash, and it still works
    stored = _stored_password(user)
    assert stored.startswith("argon2$argon2id$")
    assert check_password(PASSWORD, stored)
    assert authenticate(email="kaori@example.jp", password=PASSWORD) == user


@pytest.mark.django_db
@pytest.mark.clause("JC4")
def test_a_wrong_password_neither_signs_in_nor_upgrades():
    user = _legacy_account()
    before = _stored_password(user)
    assert authenticate(email="kaori@example.jp", password="kome to miso 1999") is None
    assert _stored_password(user) == before
