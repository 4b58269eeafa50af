"""The store checks and scans against the test database: what each finds, where, and what it
leaves alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from pledge.accounts.hashers import encode_sha512_digest
from pledge.accounts.models import SignInAttempt, User
from pledge.conformance.checks.base import StoreContext
from pledge.conformance.checks.retention import NothingOverdue, sweep_reference
from pledge.conformance.checks.stored_cards import NoCardStored
from pledge.conformance.checks.stores import PasswordsHashed, password_scheme
from pledge.conformance.results import Status
from pledge.conformance.scan import partitions as parts
from pledge.conformance.scan.database import DatabaseScan
from pledge.conformance.scan.files import KeyScan
from pledge.conformance.scan.keys import KeyMaterial
from pledge.datamap.erasure import subject_erase
from pledge.policy import load
from pledge.retention.models import SweepRun
from pledge.vault import master
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_create, subject_for_email, subject_shred
from tests.vaultcases.models import Dossier, LedgerEntry

pytestmark = pytest.mark.django_db

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SHOP = load(POLICIES / "japan-centre.yaml")
ALPS = load(POLICIES / "alps.yaml")
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
VISA = "4111-1111-1111-1111"


def context(policy=SHOP, data_dir: Path | None = None, now: dt.datetime = NOW) -> StoreContext:
    data = data_dir or Path(settings.DATA_DIR)
    return StoreContext(policy, now, data, Path(settings.KEY_DIR))


def _dossier(body: str, **extra: object) -> Dossier:
    subject = subject_for_email(email="kaori@example.jp", kind=SubjectKind.CORRESPONDENT)
    return Dossier.objects.create(subject=subject, received_at=NOW, body=body, **extra)


# --- card numbers --------------------------------------------------------------------------


@pytest.mark.clause("JC5")
def test_a_card_number_in_an_encrypted_field_is_found_decrypted_and_not_repeated():
    # given a letter whose body holds a card number, encrypted at rest
    dossier = _dossier(f"Please use my card {VISA} for the order.", headers={"ref": "A-1"})
    # when the stores are scanned
    result = NoCardStored().run(context())
    # then the card is found in the decrypted body, shown by scheme and last four digits only
    assert result.status is Status.BROKEN
    (evidence,) = result.evidence
    assert evidence.text == "databases: a Visa card number ending 1111 (16 digits)"
    assert evidence.where == f"vaultcases.Dossier row {dossier.pk}, body (decrypted)"
    assert VISA not in str(result.as_dict())


def test_barcodes_digests_and_erased_data_are_not_card_numbers():
    # given a JAN barcode in clear text, a hex digest, and a card number whose key is shredded
    _dossier("JAN 4901234567894 on the label", country="GB")
    erased = subject_create(kind=SubjectKind.CUSTOMER, email="gone@example.org")
    LedgerEntry.objects.create(subject=erased, amount=Decimal("1"), payer=f"card {VISA}")
    subject_shred(
        subject_id=erased.pk, categories=["user.behavior.purchase_history"], reason="test"
    )
    # when the stores are scanned
    scan = DatabaseScan()
    texts = [v.text for v in scan.values()]
    result = NoCardStored().run(context())
    # then nothing is found, and the erased value was counted as erased, not read
    assert result.status is Status.KEPT, result.evidence
    assert any("4901234567894" in t for t in texts)
    assert scan.erased >= 1


# --- passwords --------------------------------------------------------------------------------


def test_password_schemes_are_named_by_their_prefix():
    assert password_scheme("argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA") == "argon2id"
    assert password_scheme("argon2$argon2i$v=19$m=512,t=2,p=2$c2FsdA$aGFzaA") == "argon2i"
    assert password_scheme("pbkdf2_sha256$870000$salt$hash") == "pbkdf2_sha256"
    assert password_scheme("!unusable") == "no password"
    assert password_scheme("5f4dcc3b5aa765d61d8327deb882cf99") == "an unrecognised format"


@pytest.mark.clause("JC4")
def test_the_legacy_wrapper_is_accepted_only_where_the_policy_declares_it():
    # given a customer imported with a legacy SHA-512 digest, wrapped in Argon2id
    user = User.objects.create_user("legacy@example.org", "kiwi-lantern-5821")
    user.password = encode_sha512_digest("a" * 128)
    user.save()
    # then japan-centre, which declares the wrapper, keeps its promise; alps, which does not,
    # does not, and names the account
    assert PasswordsHashed().run(context(SHOP)).status is Status.KEPT
    result = PasswordsHashed().run(context(ALPS))
    assert result.status is Status.BROKEN
    assert (
        result.evidence[0].text
        == f"account {str(user.pk)[:8]}: argon2id wrapping sha512-unsalted hash"
    )


# --- retention ----------------------------------------------------------------------------


def test_the_reference_is_the_last_sweep_an_hour_or_more_ago_or_a_later_finished_one():
    london = SHOP  # sweeps at 03:00 Europe/London
    at = dt.datetime(2026, 11, 22, 3, 30, tzinfo=dt.UTC)  # 03:30 in London (GMT)
    reference, _ = sweep_reference(london, at)
    assert reference == dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)  # today's may be running
    reference, why = sweep_reference(london, at + dt.timedelta(hours=1))
    assert reference == dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
    assert why == "the daily sweep of 22 November 2026 03:00 (Europe/London)"
    finished = at + dt.timedelta(hours=2)
    SweepRun.objects.create(as_of=finished, finished_at=finished)
    assert sweep_reference(london, at + dt.timedelta(hours=3))[0] == finished


@pytest.mark.clause("JC11")
def test_a_record_past_its_due_date_is_named_with_its_holder_and_rule():
    # given a failed sign-in from three days ago (kept one day), and one from an hour ago
    SignInAttempt.objects.create(address_index="a" * 64, network_index="b" * 64,
                                 at=NOW - dt.timedelta(days=3))  # fmt: skip
    SignInAttempt.objects.create(address_index="c" * 64, network_index="d" * 64,
                                 at=NOW - dt.timedelta(hours=1))  # fmt: skip
    # when the retention check runs
    results = {r.check: r for r in NothingOverdue().results(context(now=NOW))}
    # then that category is broken with the holder and the count, and only that one
    attempts = results["retention:user.authorization.attempts"]
    assert attempts.status is Status.BROKEN
    assert attempts.evidence[0].where == "accounts.SignInAttempt"
    assert attempts.evidence[0].text.startswith("1 record due by the daily sweep of 22 November")
    assert results["retention:user.session"].status is Status.KEPT


@pytest.mark.parametrize(
    ("period", "fiscal", "latest"),
    [
        ("2015", (3, 31), "2016-03-31"),  # a fiscal year read as the latest it could be
        ("FY2015", (3, 31), "2016-03-31"),
        ("2015", None, "2015-12-31"),
        ("2015-06", None, "2015-06-30"),
        ("2015-12", None, "2015-12-31"),
        ("2015-06-01", None, "2015-06-01"),
    ],
)
def test_a_partition_period_is_read_as_late_as_its_name_allows(period, fiscal, latest):
    from zoneinfo import ZoneInfo

    instant = parts.latest_instant(period, fiscal, ZoneInfo("Asia/Tokyo"))
    assert f"{instant:%Y-%m-%d %H:%M}" == f"{latest} 23:59"


# --- raw log partitions -----------------------------------------------------------------------


def _encrypted_partition(data_dir: Path, line: str) -> parts.Partition:
    """A partition as the traffic store writes one: Parquet encrypted under the period's key."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyarrow.parquet.encryption as pe

    from pledge.vault import keyring

    category, period = "user.device.web_logs", "fy2016-03-31"
    folder = data_dir / "partitions" / "web_logs" / f"category={category}" / f"period={period}"
    folder.mkdir(parents=True)
    key = keyring.get_or_create(keyring.KeyRef(category=category, period=period))
    path = folder / "run-00001.parquet"
    sealed = pe.create_encryption_properties(footer_key=key)
    pq.write_table(pa.table({"line": [line]}), path, encryption_properties=sealed)
    (partition,) = parts.partitions(data_dir)
    return partition


@pytest.mark.clause("AL6")
def test_an_encrypted_partition_is_read_with_its_period_key_and_not_once_it_is_shredded(tmp_path):
    from pledge.vault import keyring

    # given a log partition encrypted under its period's key, holding a card number in a line
    partition = _encrypted_partition(tmp_path, f'"GET /?card={VISA} HTTP/1.1" 200')
    assert (partition.category, partition.period) == ("user.device.web_logs", "fy2016-03-31")
    # then nobody reads it without the key, and the scan reads it with the key, in memory
    assert not parts.in_clear(partition)
    assert any(VISA in text for text in parts.texts(partition))
    # and once the period's key is destroyed, it is erased: unreadable by anyone
    keyring.shred([keyring.KeyRef(category=partition.category, period=partition.period)],
                  reason="test")  # fmt: skip
    with pytest.raises(parts.KeyDestroyed):
        list(parts.texts(partition))


# --- keys ---------------------------------------------------------------------------------


@pytest.mark.clause("AL13")
def test_the_master_key_in_the_data_directory_is_found_in_any_encoding(tmp_path):
    # given a data directory where someone saved the master key as hex in a notes file
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text(f"key: {master.current().key.hex()}\n")
    (tmp_path / "clean.txt").write_text("nothing here\n")
    # when it is scanned
    scan = KeyScan(tmp_path, KeyMaterial.of_this_server())
    scan.run()
    # then the file and the key are named, and nothing else
    assert scan.findings == [("notes/todo.txt", f"the master key {master.current().id}")]
    assert scan.files == 2


def test_a_pem_private_key_in_the_data_directory_is_found(tmp_path):
    (tmp_path / "server.pem").write_text("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n")
    scan = KeyScan(tmp_path, KeyMaterial.of_this_server())
    scan.run()
    assert scan.findings == [("server.pem", "a PEM private key")]


# --- synthetic subjects and the erasure service ----------------------------------------------


@pytest.mark.clause("AL8")
def test_a_synthetic_customer_owes_no_minimum_keep_but_a_real_one_still_does():
    # given two customers with a ledger entry the law keeps six years, one of them synthetic
    real = subject_create(kind=SubjectKind.CUSTOMER, email="real@example.org")
    fake = subject_create(kind=SubjectKind.CUSTOMER, email="conform-1@conformance.invalid",
                          synthetic=True)  # fmt: skip
    for subject in (real, fake):
        LedgerEntry.objects.create(subject=subject, completed_at=timezone.now(),
                                   amount=Decimal("9.50"), payer="A Payer")  # fmt: skip
    # when both are erased
    kept = {o.category: o for o in subject_erase(subject_id=real.pk, reason="request")}
    gone = {o.category: o for o in subject_erase(subject_id=fake.pk, reason="conformance run")}
    # then the real one's records are kept under the rule; the synthetic one leaves nothing
    assert kept["user.behavior.purchase_history"].status == "kept"
    assert gone["user.behavior.purchase_history"].status == "erased"
    assert not LedgerEntry.objects.filter(subject=fake).exists()
    fake.refresh_from_db()
    assert fake.erased_at is not None and fake.email_index is None
