"""The account model: UUID keys, sign-in by email, and no address stored in clear."""

import uuid

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import connection

pytestmark = pytest.mark.django_db


def test_accounts_have_uuid_primary_keys():
    user = get_user_model().objects.create_user("kaori@example.jp", "a long passphrase 1")
    assert isinstance(user.pk, uuid.UUID)


@pytest.mark.clause("JC4")
def test_passwords_are_stored_as_argon2id_hashes():
    user = get_user_model().objects.create_user("kaori@example.jp", "a long passphrase 1")
    assert user.password.startswith("argon2$argon2id$")
    assert "a long passphrase 1" not in user.password


def test_sign_in_by_email_ignores_case_and_surrounding_space():
    get_user_model().objects.create_user("Kaori@Example.JP", "a long passphrase 1")
    assert authenticate(email=" kaori@example.jp ", password="a long passphrase 1") is not None
    assert authenticate(email="kaori@example.jp", password="wrong password") is None
    assert authenticate(email="someone@example.jp", password="a long passphrase 1") is None


def test_the_email_address_is_not_stored_in_clear():
    user = get_user_model().objects.create_user("kaori@example.jp", "a long passphrase 1")
    table = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row).lower()
    assert "kaori" not in stored and "example.jp" not in stored
    assert len(user.email_index) == 64


def test_one_account_per_address_whatever_its_case():
    from django.db import IntegrityError, transaction

    users = get_user_model().objects
    users.create_user("kaori@example.jp", "a long passphrase 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        users.create_user("KAORI@example.jp", "another passphrase 2")
