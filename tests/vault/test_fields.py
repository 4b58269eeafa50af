"""Encrypted fields: personal data at rest only as ciphertext, read only for a purpose."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection

from pledge.audit.models import AuditEvent
from pledge.vault.fields import ERASED, TamperedField
from pledge.vault.models import SubjectKind
from pledge.vault.purposes import PurposeRefused
from pledge.vault.services import subject_create, subject_shred
from tests.vaultcases.models import Dossier, PeriodNote

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 10, 9, 30, tzinfo=dt.UTC)


def _dossier(body: str = "Please send 2 kg of koshihikari to 1-2-3 Ginza.", **extra) -> Dossier:
    subject = extra.pop("subject", None) or subject_create(kind=SubjectKind.CORRESPONDENT)
    return Dossier.objects.create(subject=subject, received_at=NOW, body=body, **extra)


def _raw(dossier: Dossier, column: str = "body") -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM vaultcases_dossier WHERE id = %s", [dossier.pk.hex])
        row = cursor.fetchone()
    return bytes(row[0])


def test_text_json_and_file_payloads_round_trip_for_a_declared_purpose():
    dossier = _dossier(headers={"from": "kaori@example.jp"}, attachment=b"%PDF-1.7 order form")
    loaded = Dossier.objects.get(pk=dossier.pk)
    assert loaded.body.reveal(purpose="service").startswith("Please send 2 kg")
    assert loaded.headers.reveal(purpose="service") == {"from": "kaori@example.jp"}
    assert loaded.attachment.reveal(purpose="service") == b"%PDF-1.7 order form"


def test_the_database_holds_only_ciphertext():
    dossier = _dossier(headers={"from": "kaori@example.jp"})
    assert b"koshihikari" not in _raw(dossier)
    assert b"kaori" not in _raw(dossier, "headers")
    assert _raw(dossier)[:1] == b"\x01"


def test_a_sealed_value_prints_nothing_personal():
    loaded = Dossier.objects.get(pk=_dossier().pk)
    assert str(loaded.body) == "[sealed]"
    assert "koshihikari" not in repr(loaded.body)


@pytest.mark.clause("JC2")
@pytest.mark.clause("JC9")
def test_a_read_for_an_undeclared_purpose_is_refused_and_audited():
    loaded = Dossier.objects.get(pk=_dossier().pk)
    expected = "purpose 'marketing' is not declared for category 'user.correspondence'"
    with pytest.raises(PurposeRefused, match=re.escape(f"{expected} (declared: service)")):
        loaded.body.reveal(purpose="marketing")
    event = AuditEvent.objects.filter(action="vault.purpose_refused").latest("pk")
    assert event.category == "user.correspondence"
    assert event.detail["purpose"] == "marketing"


def test_a_ciphertext_moved_to_another_row_does_not_open():
    first, second = _dossier("first message"), _dossier("second message")
    Dossier.objects.filter(pk=second.pk).update(subject=first.subject)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vaultcases_dossier SET body = %s WHERE id = %s", [_raw(first), second.pk.hex]
        )
    moved = Dossier.objects.get(pk=second.pk)
    with pytest.raises(
        TamperedField, match=re.escape(f"vaultcases.Dossier.body (row {second.pk})")
    ):
        moved.body.reveal(purpose="service")


def test_a_ciphertext_moved_to_another_column_does_not_open():
    dossier = _dossier(headers={"a": 1})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vaultcases_dossier SET headers = %s WHERE id = %s",
            [_raw(dossier, "body"), dossier.pk.hex],
        )
    with pytest.raises(TamperedField, match=r"vaultcases\.Dossier\.headers"):
        Dossier.objects.get(pk=dossier.pk).headers.reveal(purpose="service")


def test_an_altered_byte_is_an_integrity_error_naming_model_field_and_row():
    dossier = _dossier()
    stored = bytearray(_raw(dossier))
    stored[20] ^= 0x01
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vaultcases_dossier SET body = %s WHERE id = %s", [bytes(stored), dossier.pk.hex]
        )
    with pytest.raises(TamperedField) as caught:
        Dossier.objects.get(pk=dossier.pk).body.reveal(purpose="service")
    assert f"vaultcases.Dossier.body (row {dossier.pk}): integrity check failed" in str(
        caught.value
    )


@pytest.mark.clause("AL12")
def test_after_shredding_every_read_gives_the_erased_marker():
    subject = subject_create(kind=SubjectKind.CORRESPONDENT)
    _dossier(subject=subject), _dossier("another", subject=subject)
    other = _dossier("someone else")
    subject_shred(subject_id=subject.pk, reason="test")
    bodies = [d.body.reveal(purpose="service") for d in Dossier.objects.order_by("received_at")]
    assert bodies.count(ERASED) == 2
    assert str(ERASED) == "[erased]"
    assert Dossier.objects.get(pk=other.pk).body.reveal(purpose="service") == "someone else"


def test_period_keys_separate_years():
    old = PeriodNote.objects.create(written_at=NOW.replace(year=2020), text="a 2020 visit")
    new = PeriodNote.objects.create(written_at=NOW, text="a 2026 visit")
    from pledge.vault.services import period_shred

    period_shred(category="user.behavior.browsing", period="2020", reason="test")
    assert PeriodNote.objects.get(pk=old.pk).text.reveal(purpose="statistics") is ERASED
    assert PeriodNote.objects.get(pk=new.pk).text.reveal(purpose="statistics") == "a 2026 visit"


def test_plaintext_cannot_reach_the_database_through_update():
    dossier = _dossier()
    with pytest.raises(TypeError, match="plaintext reached the database layer unencrypted"):
        Dossier.objects.filter(pk=dossier.pk).update(body="in clear")
