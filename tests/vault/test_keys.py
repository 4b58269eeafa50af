"""Keys: a master key outside the data directory, data keys in their own database."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections

from pledge.vault import blind_index, keyring, master
from pledge.vault.models import DataKey
from pledge.vault.routers import KEYS

pytestmark = pytest.mark.django_db


def test_master_key_file_is_private_and_outside_the_data_directory():
    current = master.current(refresh=True)
    path = settings.KEY_DIR / "master" / f"{current.id}.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert settings.DATA_DIR not in path.parents


def test_data_keys_live_in_a_separate_database():
    keyring.get_or_create(keyring.KeyRef(category="user.account", name="probe"))
    keys_db, data_db = connections[KEYS], connections["default"]
    assert keys_db.settings_dict["NAME"] != data_db.settings_dict["NAME"]
    assert DataKey._meta.db_table in keys_db.introspection.table_names()
    assert DataKey._meta.db_table not in data_db.introspection.table_names()


def test_wrapped_keys_do_not_contain_the_key():
    ref = keyring.KeyRef(category="user.account", name="probe")
    key = keyring.get_or_create(ref)
    row = DataKey.objects.using(KEYS).get(handle=ref.handle)
    assert key not in bytes(row.wrapped)
    assert keyring.get(ref) == key


def test_blind_index_matches_whatever_the_case_and_space():
    assert blind_index.email_index(" Kaori@Example.JP") == blind_index.email_index(
        "kaori@example.jp"
    )
    assert blind_index.email_index("kaori@example.jp") != blind_index.email_index(
        "kaoru@example.jp"
    )
    assert "kaori" not in blind_index.email_index("kaori@example.jp")


def test_many_keys_are_made_together_and_those_that_exist_are_kept(django_assert_max_num_queries):
    # given one key of a period that exists already
    first = keyring.KeyRef(category="user.behavior.browsing", period="2025-05-14")
    existing = keyring.get_or_create(first)
    refs = [first] + [
        keyring.KeyRef(category="user.behavior.browsing", period=f"2025-05-{day}")
        for day in range(15, 25)
    ]
    # when ten more are asked for with it
    with django_assert_max_num_queries(8, connection=connections[KEYS]):
        keys = keyring.get_or_create_many(refs)
    # then each has its own key, the existing one unchanged, and each reads back as made
    assert keys[first.handle] == existing
    assert len(set(keys.values())) == len(refs) == 11
    assert all(keyring.get(ref) == keys[ref.handle] for ref in refs)
    # and asking again makes none
    assert keyring.get_or_create_many(refs) == keys
    assert DataKey.objects.using(KEYS).filter(category="user.behavior.browsing").count() == 11
