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
