"""The master key: created once, refused when missing or wrong, replaced without re-encrypting."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from pledge.vault import blind_index, keyring, master
from pledge.vault.models import DataKey, MasterState, SubjectKind
from pledge.vault.routers import KEYS
from pledge.vault.services import master_rotate, subject_create
from tests.vaultcases.models import Dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_dir(tmp_path, settings):
    """A key directory of this test's own, and no master key cached from another test."""
    settings.KEY_DIR = tmp_path / "keys"
    master._cached = None
    blind_index.reset_cache()
    MasterState.objects.using(KEYS).all().delete()
    DataKey.objects.using(KEYS).all().delete()
    yield settings.KEY_DIR
    master._cached = None
    blind_index.reset_cache()


def _files(key_dir):
    return sorted(p.name for p in (key_dir / "master").glob("*.key"))


def test_the_first_use_creates_one_master_key(key_dir):
    current = master.current()
    assert _files(key_dir) == [f"{current.id}.key"]
    assert MasterState.objects.using(KEYS).get().master_id == current.id


@pytest.mark.clause("AL13")
def test_rotation_rewraps_every_key_without_re_encrypting_data_and_destroys_the_old_key(key_dir):
    subject = subject_create(kind=SubjectKind.CORRESPONDENT, email="kaori@example.jp")
    dossier = Dossier.objects.create(
        subject=subject, received_at=dt.datetime.now(dt.UTC), body="a letter"
    )
    stored_before = Dossier.objects.filter(pk=dossier.pk).values_list("body", flat=True).get()
    old = master.current()
    wrapped_before = {k.handle: bytes(k.wrapped) for k in DataKey.objects.using(KEYS).all()}

    old_id, new_id, count = master_rotate()

    assert old_id == old.id and new_id != old_id
    assert count == len(wrapped_before) >= 2
    assert _files(key_dir) == [f"{new_id}.key"]
    for key in DataKey.objects.using(KEYS).all():
        assert key.master_id == new_id
        assert bytes(key.wrapped) != wrapped_before[key.handle]
    stored_after = Dossier.objects.filter(pk=dossier.pk).values_list("body", flat=True).get()
    assert bytes(stored_after) == bytes(stored_before)
    master._cached = None
    assert Dossier.objects.get(pk=dossier.pk).body.reveal(purpose="service") == "a letter"


def test_a_missing_master_key_stops_with_instructions(key_dir):
    current = master.current()
    keyring.get_or_create(keyring.KeyRef(category="user.account", name="probe"))
    (key_dir / "master" / f"{current.id}.key").unlink()
    master._cached = None
    with pytest.raises(master.MasterKeyError, match="Restore it from your key backup"):
        master.current()


def test_a_wrong_master_key_is_refused_before_anything_is_written(key_dir):
    current = master.current()
    ref = keyring.KeyRef(category="user.account", name="probe")
    keyring.get_or_create(ref)
    path = key_dir / "master" / f"{current.id}.key"
    path.write_bytes(os.urandom(32))
    master._cached = None
    before = list(DataKey.objects.using(KEYS).values_list("handle", "wrapped"))
    with pytest.raises(master.MasterKeyError, match="is not the master key"):
        keyring.get_or_create(keyring.KeyRef(category="user.account", name="another"))
    with pytest.raises(master.MasterKeyError):
        master_rotate()
    assert list(DataKey.objects.using(KEYS).values_list("handle", "wrapped")) == before
    assert _files(key_dir) == [f"{current.id}.key"]


def test_files_left_by_an_interrupted_rotation_are_removed(key_dir):
    current = master.current()
    (key_dir / "master" / "0123456789abcdef.key").write_bytes(os.urandom(32))
    master.current(refresh=True)
    assert _files(key_dir) == [f"{current.id}.key"]
