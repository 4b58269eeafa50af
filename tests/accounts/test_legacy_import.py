"""``pledge accounts import-legacy``: former customers in, bad rows out, nothing in clear."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import connections

from pledge import cli
from pledge.accounts.models import ConsentRecord, Profile
from pledge.audit.models import AuditEvent
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject, SubjectKind
from pledge.vault.services import subject_for_email

pytestmark = pytest.mark.django_db

HEADER = "email,name,postal_address,phone,sha512,marketing,registered_at"
CARD = "4111 1111 1111 1111"


def sha512(password: str) -> str:
    return hashlib.sha512(password.encode()).hexdigest()


KAORI_DIGEST = sha512("kome to miso 1998")
ROWS = f"""{HEADER}
kaori@example.jp,Kaori Tanaka,"1-2-3 Ginza, Tokyo",+44 20 7123 4567,{KAORI_DIGEST},yes,2013-04-01
hiro@example.jp,Hiro Sato,"4 Brewer Street, London",,{sha512("hiro pass 22").upper()},no,
,Nameless Person,1 Nowhere Lane,,{sha512("x")},no,
not-an-address,Ichiro Invalid,2 Nowhere Lane,,{sha512("x")},no,
bad@example.jp,Bad Digest,3 Nowhere Lane,,{sha512("x")[:-1]},no,
date@example.jp,Bad Date,4 Nowhere Lane,,{sha512("x")},no,2013-13-01
card@example.jp,Carded Person,"5 Nowhere Lane, card {CARD}",,{sha512("x")},no,
yuki@example.jp,Yuki Mori,"Flat 2
6 Dean Street
London",,{sha512("yuki pass 33")},TRUE,2014-06-29T12:30:00
KAORI@example.jp,Kaori Again,7 Nowhere Lane,,{sha512("y")},yes,
short@example.jp,Too Few Fields
taken@example.jp,Taken Already,8 Nowhere Lane,,{sha512("z")},maybe,
registered@example.jp,Already Registered,9 Nowhere Lane,,{sha512("z")},yes,
"""
IMPORTED = {"kaori@example.jp", "hiro@example.jp", "yuki@example.jp"}
REFUSED_VALUES = ["Nameless", "not-an-address", "Ichiro", "Bad Digest", "Carded", "Kaori Again",
                  "Already Registered", "registered@example.jp", "Taken Already"]  # fmt: skip


@pytest.fixture
def legacy_csv(tmp_path: Path) -> Path:
    path = tmp_path / "former-shop.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def registered():
    """One address of the file already has an account on the site."""
    return get_user_model().objects.create_user("registered@example.jp", "a long passphrase 1")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("accounts", *args, stdout=out)
    return out.getvalue()


def _everything_stored() -> str:
    """Every value of every table of both databases, as one lower-cased text."""
    parts = []
    for alias in ("default", "keys"):
        connection = connections[alias]
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                for row in cursor.fetchall():
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            parts.append(bytes(value).decode("latin-1"))
                        else:
                            parts.append(str(value))
    return "\n".join(parts).lower()


@pytest.mark.clause("JC4")
@pytest.mark.clause("JC5")
def test_good_rows_are_imported_and_bad_ones_reported_by_line(legacy_csv):
    # When the former shop's file is imported
    output = run("import-legacy", str(legacy_csv))
    # Then the three good customers are in, and each refused row is named by line and reason
    where = str(legacy_csv)
    assert f"{where}: 12 rows read, 3 customers imported, 9 skipped" in output
    for line, reason in [
        (4, "missing email"),
        (5, "invalid email address"),
        (6, "password digest is not 128 hexadecimal characters"),
        (7, "registered_at is not an ISO 8601 date"),
        (8, "card number (neither shown nor stored); column postal_address"),
        (12, "address repeated in the file; first on line 2"),
        (13, "wrong number of fields"),
        (14, "marketing is not yes, no, 1, 0, true or false"),
        (15, "address already registered"),
    ]:  # fmt: skip
        assert f"  {where}:{line}: {reason}\n" in output
    assert "skipped by reason:\n" in output
    assert "  address already registered: 1\n" in output
    users = get_user_model().objects
    for address in IMPORTED:
        assert users.filter(email_index=email_index(address)).exists()
    assert users.count() == 4  # the three, and the one registered before


def test_the_report_echoes_nothing_of_a_refused_row(legacy_csv):
    output = run("import-legacy", str(legacy_csv))
    # Not the card number, in any spelling, nor any other value of a refused row
    assert CARD not in output and CARD.replace(" ", "") not in output
    for value in REFUSED_VALUES:
        assert value not in output
    assert "Kaori" not in output and "kaori@" not in output


@pytest.mark.clause("JC5")
def test_the_refused_card_number_is_stored_nowhere(legacy_csv):
    run("import-legacy", str(legacy_csv))
    stored = _everything_stored().replace(" ", "")
    assert CARD.replace(" ", "") not in stored
    assert not Subject.objects.filter(email_index=email_index("card@example.jp")).exists()


@pytest.mark.clause("JC2")
def test_the_database_holds_no_email_or_name_in_clear(legacy_csv):
    run("import-legacy", str(legacy_csv))
    stored = _everything_stored()
    # Long enough that no ciphertext or hash could spell one by chance.
    for text in ["kaori@example.jp", "kaori tanaka", "hiro@example.jp", "hiro sato", "1-2-3 ginza",
                 "brewer street", "7123 4567", "yuki@example.jp", "yuki mori", "dean street",
                 "example.jp"]:  # fmt: skip
        assert text not in stored, text


@pytest.mark.clause("JC4")
def test_only_wrapped_digests_are_stored_and_the_old_password_signs_in(legacy_csv):
    run("import-legacy", str(legacy_csv))
    user = get_user_model().objects.get(email_index=email_index("kaori@example.jp"))
    assert user.password.startswith("argon2_sha512$argon2id$")
    assert KAORI_DIGEST not in _everything_stored()
    # When Kaori signs in with her old password, then she is in and upgraded to plain Argon2id
    assert authenticate(email="Kaori@example.jp", password="kome to miso 1998") == user
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    # A digest given in upper case was stored as the same digest: Hiro's password works too
    assert authenticate(email="hiro@example.jp", password="hiro pass 22") is not None


def test_profiles_hold_the_customer_details_encrypted(legacy_csv):
    run("import-legacy", str(legacy_csv))
    subject = get_user_model().objects.get(email_index=email_index("yuki@example.jp")).subject
    profile = Profile.objects.get(subject=subject)
    assert subject.kind == SubjectKind.CUSTOMER
    assert profile.name.reveal(purpose="service") == "Yuki Mori"
    assert profile.email.reveal(purpose="service") == "yuki@example.jp"
    assert profile.postal_address.reveal(purpose="service") == "Flat 2\n6 Dean Street\nLondon"
    assert profile.phone is None
    kaori = Profile.objects.get(
        subject__account__email_index=email_index("kaori@example.jp")
    )  # fmt: skip
    assert kaori.phone.reveal(purpose="service") == "+44 20 7123 4567"


def test_the_registration_date_is_kept_in_the_controllers_time_zone(legacy_csv):
    run("import-legacy", str(legacy_csv))
    users = get_user_model().objects
    kaori = users.get(email_index=email_index("kaori@example.jp"))
    yuki = users.get(email_index=email_index("yuki@example.jp"))
    london = ZoneInfo("Europe/London")
    assert kaori.date_joined == dt.datetime(2013, 4, 1, tzinfo=london)
    assert yuki.date_joined == dt.datetime(2014, 6, 29, 12, 30, tzinfo=london)


@pytest.mark.clause("JC10")
def test_marketing_consent_is_not_carried_over_and_the_output_says_so(legacy_csv):
    # Given two imported customers said yes in the former shop (Kaori: "yes", Yuki: "TRUE")
    output = run("import-legacy", str(legacy_csv))
    # Then no consent is recorded for anyone, and the operator is told how many to ask again
    assert not ConsentRecord.objects.exists()
    assert "marketing: 2 of these customers said yes in the former shop; no consent was " in output
    assert "consent must be provable under UK GDPR" in output


def test_running_the_same_file_again_imports_nothing_twice(legacy_csv):
    run("import-legacy", str(legacy_csv))
    users, profiles = get_user_model().objects.count(), Profile.objects.count()
    # When the same file is imported again
    output = run("import-legacy", str(legacy_csv))
    # Then nothing new, and each customer of the first run is reported as already registered
    assert "0 customers imported" in output
    assert "  address already registered: 4\n" in output
    assert (get_user_model().objects.count(), Profile.objects.count()) == (users, profiles)


def test_one_audit_event_per_batch_counts_the_customers(legacy_csv):
    before = AuditEvent.objects.filter(action="accounts.imported").count()
    run("import-legacy", str(legacy_csv))
    events = AuditEvent.objects.filter(action="accounts.imported")
    assert events.count() == before + 1
    event = events.latest("sequence")
    assert event.count == 3 and event.category == "user.account"
    assert event.detail["rows"] == 12
    assert event.detail["skipped"]["address already registered"] == 1
    assert event.detail["marketing_yes_not_carried"] == 2


def test_a_person_who_wrote_to_us_before_keeps_one_subject(legacy_csv):
    # Given Hiro emailed the shop before the import, so a subject for his address exists
    earlier = subject_for_email(email="Hiro@example.jp", kind=SubjectKind.CORRESPONDENT)
    run("import-legacy", str(legacy_csv))
    # Then his account belongs to that subject, now a customer: one person, one erasure
    user = get_user_model().objects.get(email_index=email_index("hiro@example.jp"))
    assert user.subject_id == earlier.pk
    assert Subject.objects.get(pk=earlier.pk).kind == SubjectKind.CUSTOMER


def test_a_dry_run_reports_and_writes_nothing(legacy_csv):
    events = AuditEvent.objects.count()
    output = run("import-legacy", str(legacy_csv), "--dry-run")
    assert "3 customers would be imported (dry run: nothing written)" in output
    assert "  address repeated in the file: 1\n" in output
    assert get_user_model().objects.count() == 1 and not Profile.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        (f"kaori@example.jp,Kaori Tanaka,1 Ginza,,{KAORI_DIGEST},yes,\n", "not a header"),
        ("email,name,phone,sha512\n", "missing required column(s): postal_address"),
        (f"{HEADER},telephone\n", "unknown column(s): telephone"),
        ("email,name,postal_address,sha512,email\n", "repeated column(s): email"),
    ],
)
def test_a_file_without_a_usable_header_imports_nothing(tmp_path, content, message):
    path = tmp_path / "broken.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported") as raised:
        run("import-legacy", str(path))
    assert message in str(raised.value)
    # A header that is really a customer row is not echoed
    assert "kaori" not in str(raised.value).lower()
    assert get_user_model().objects.count() == 1  # the one registered before


def test_a_file_that_is_not_utf8_imports_nothing(tmp_path):
    path = tmp_path / "latin1.csv"
    rows = f"{HEADER}\nkaori@example.jp,Kaori Tanaka,1 Ginza,,{KAORI_DIGEST},yes,\n"
    rows += f"jose@example.es,Jos\xe9,2 Calle,,{KAORI_DIGEST},no,\n"
    path.write_bytes(rows.encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8 text"):
        run("import-legacy", str(path))
    assert get_user_model().objects.count() == 1


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("import-legacy", str(tmp_path / "absent.csv"))


def test_the_pledge_command_runs_the_import(legacy_csv, capsys):
    # pledge passes "accounts" to Django's management commands: it is no longer a plan
    assert cli.main(["accounts", "import-legacy", str(legacy_csv)]) == cli.EXIT_OK
    assert "3 customers imported" in capsys.readouterr().out
