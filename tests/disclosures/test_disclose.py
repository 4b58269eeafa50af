"""``pledge disclose``: only to recipients the policy declares, encrypted, in the register."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pledge.audit.models import AuditEvent
from pledge.audit.selectors import audit_verify
from pledge.disclosures.export import ExportBroken, export_open
from pledge.disclosures.models import Disclosure
from pledge.disclosures.traffic import READER_MODULE
from pledge.policy import load
from pledge.rights.bundle import bundle_data
from pledge.traffic.services import logs_ingest
from tests.rights.conftest import EMAIL, NAME

pytestmark = pytest.mark.django_db

POLICIES = Path(__file__).resolve().parents[2] / "policies"
BASIS = "Police and Criminal Evidence Act 1984, production order under schedule 1"
LINES = [
    '203.0.113.9 - - [10/May/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
    '203.0.113.9 - - [10/May/2026:09:00:04 +0900] "GET /ordering/ HTTP/1.1" 200 734 "-" "-"',
]  # fmt: skip


def _disclose(*args: str, out: Path) -> str:
    buffer = io.StringIO()
    call_command("disclose", *args, "--out", str(out), stdout=buffer)
    return buffer.getvalue()


def _opened(out: str, folder: Path) -> zipfile.ZipFile:
    passphrase = out.split("send it apart from the file):\n", 1)[1].split()[0]
    (export,) = folder.glob("*.pledge-export")
    return zipfile.ZipFile(io.BytesIO(export_open(export.read_bytes(), passphrase)))


@pytest.mark.clause("AL9", "JC12")
def test_a_declared_recipient_gets_an_encrypted_export_and_the_register_records_it(
    customer, tmp_path
):
    # given a customer, and an order from the police that the policy allows for
    # when the operator discloses their data
    out = _disclose(
        "--recipient", "law-enforcement", "--basis", BASIS, "--reference", "MET-2026-118",
        "--email", EMAIL, out=tmp_path,
    )  # fmt: skip
    # then an encrypted export holds what the recipient may receive, and nothing else
    data = json.loads(_opened(out, tmp_path).read("data.json"))
    held = {c["id"] for c in data["categories"]}
    assert held == {"user.account", "user.behavior.purchase_history", "user.correspondence"}
    account = data["categories"][0]["holders"][0]["records"][0]
    assert account["name"] == NAME
    assert data["about"]["legal_basis"] == BASIS
    # and the file alone opens nothing: not without the passphrase
    (export,) = tmp_path.glob("*.pledge-export")
    assert NAME.encode() not in export.read_bytes()
    with pytest.raises(ExportBroken):
        export_open(export.read_bytes(), "WRONG-PASSPHRASE")
    assert (tmp_path / f"{export.stem}.README.txt").exists()
    # and the register says to whom, why, under which reference, what and when
    entry = Disclosure.objects.get()
    assert (entry.recipient, entry.basis, entry.reference) == (
        "law-enforcement",
        BASIS,
        "MET-2026-118",
    )
    assert entry.subject == customer.subject.pk and entry.count >= 3
    assert "Your orders: 2 records" in entry.what  # the order and its line
    assert entry.made_at and len(entry.export_sha256) == 64
    assert entry.export_sha256 in out
    # and the disclosure is an audit event, the chain intact, and in the person's copy
    event = AuditEvent.objects.get(action="disclosure.made")
    assert event.subject == customer.subject.pk and event.rule == "MET-2026-118"
    assert audit_verify().ok
    copy = bundle_data(subject=customer.subject)
    assert [d["reference"] for d in copy["disclosures"]] == ["MET-2026-118"]


@pytest.mark.clause("JC12")
def test_a_recipient_the_policy_does_not_declare_is_refused_quoting_the_policy(customer, tmp_path):
    with pytest.raises(CommandError) as refused:
        _disclose("--recipient", "Acme Marketing Ltd", "--basis", "a contract",
                  "--reference", "ACME-1", "--email", EMAIL, out=tmp_path)  # fmt: skip
    message = str(refused.value)
    assert "declares no recipient 'Acme Marketing Ltd'" in message
    assert "We will not pass your information to any third parties." in message
    assert list(tmp_path.iterdir()) == [] and not Disclosure.objects.exists()
    assert AuditEvent.objects.filter(action="disclosure.refused").exists()


@pytest.mark.clause("AL9")
def test_alps_refuses_anyone_but_law_enforcement_quoting_its_sharing_clause(settings, tmp_path):
    settings.POLICY = load(POLICIES / "alps.yaml")
    with pytest.raises(CommandError) as refused:
        _disclose("--recipient", "PayPal", "--basis", "their terms", "--reference", "PP-1",
                  "--email", "ken@example.jp", out=tmp_path)  # fmt: skip
    assert "unless required to be handed over under legal obligations for law enforcement" in str(
        refused.value
    )


def test_a_category_the_recipient_may_not_receive_is_refused_with_its_condition(customer, tmp_path):
    with pytest.raises(CommandError) as refused:
        _disclose("--recipient", "law-enforcement", "--basis", BASIS, "--reference", "MET-2",
                  "--email", EMAIL, "--category", "user.consent", out=tmp_path)  # fmt: skip
    assert "not user.consent" in str(refused.value)
    assert "Only where the law compels us" in str(refused.value)


def test_a_restricted_disclosure_stays_out_of_the_persons_copy(customer, tmp_path):
    _disclose("--recipient", "law-enforcement", "--basis", BASIS, "--reference", "SEALED-7",
              "--email", EMAIL, "--restricted", out=tmp_path)  # fmt: skip
    copy = json.dumps(bundle_data(subject=customer.subject))
    assert "SEALED-7" not in copy and "disclosure.made" not in copy
    assert Disclosure.objects.get().subject == customer.subject.pk  # the register keeps the link


@pytest.fixture
def logged(settings, tmp_path):
    """The alps site, with an access log imported: two lines of one address among others."""
    settings.POLICY = load(POLICIES / "alps.yaml")
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    other = '198.51.100.4 - - [10/May/2026:09:00:02 +0900] "GET / HTTP/1.1" 200 512 "-" "curl/8"'
    log = tmp_path / "access.log"
    log.write_text("\n".join([LINES[0], other, LINES[1]]) + "\n")
    logs_ingest(sources=[str(log)], now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))


@pytest.mark.clause("AL9")
def test_log_lines_of_an_ip_come_from_the_encrypted_logs_and_the_register_keeps_no_ip(
    logged, tmp_path
):
    # given imported web server logs, when the operator discloses one address's lines
    out = _disclose(
        "--recipient", "law-enforcement", "--basis", "Act on Criminal Procedure art. 197(2)",
        "--reference", "TKY-88", "--ip", "203.0.113.9", "--from", "2026-05-10",
        "--to", "2026-05-11", out=(tmp_path / "out"),
    )  # fmt: skip
    # then the export holds exactly that address's lines in the window, as logged
    archive = _opened(out, tmp_path / "out")
    assert archive.read("log-lines.txt").decode().splitlines() == LINES
    entry = Disclosure.objects.get()
    assert entry.count == 2 and entry.categories == ["user.device.web_logs"]
    assert len(entry.network_fingerprint) == 64
    assert entry.window_start == dt.datetime(2026, 5, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    # and neither the register nor the audit trail holds the address
    stored = json.dumps(list(Disclosure.objects.values()), default=str)
    assert "203.0.113.9" not in stored
    assert "203.0.113.9" not in json.dumps(list(AuditEvent.objects.values("detail", "rule")))
    assert AuditEvent.objects.filter(action="traffic.raw_lines_read", count=2).exists()


def test_a_window_with_no_line_of_the_address_is_answered_with_an_empty_export(logged, tmp_path):
    # given logs of 10 May, when an order asks for the address on 11 May
    out = _disclose("--recipient", "law-enforcement", "--basis", "order", "--reference", "T-2",
                    "--ip", "203.0.113.9", "--from", "2026-05-11", "--to", "2026-05-12",
                    out=(tmp_path / "out"))  # fmt: skip
    # then the answer holds no line, and the register says so
    assert _opened(out, tmp_path / "out").read("log-lines.txt").decode().strip() == ""
    assert Disclosure.objects.get().count == 0


def test_log_lines_without_the_traffic_reader_are_refused_with_the_reason(
    settings, tmp_path, monkeypatch
):
    settings.POLICY = load(POLICIES / "alps.yaml")
    monkeypatch.setitem(sys.modules, READER_MODULE, None)  # import fails, as when absent
    with pytest.raises(CommandError) as refused:
        _disclose("--recipient", "law-enforcement", "--basis", "order", "--reference", "T-1",
                  "--ip", "203.0.113.9", "--from", "2026-05-10", "--to", "2026-05-11",
                  out=tmp_path)  # fmt: skip
    assert "traffic" in str(refused.value) and "nothing was disclosed" in str(refused.value)
    assert not Disclosure.objects.exists()


def test_japan_centre_has_no_log_lines_to_disclose(db, tmp_path):
    with pytest.raises(CommandError) as refused:
        _disclose("--recipient", "law-enforcement", "--basis", "order", "--reference", "T-2",
                  "--ip", "203.0.113.9", "--from", "2026-05-10", "--to", "2026-05-11",
                  out=tmp_path)  # fmt: skip
    assert "keeps no web server logs" in str(refused.value)
    assert "store no network address" in str(refused.value)
    assert not AuditEvent.objects.filter(action="traffic.raw_lines_read").exists()


def test_the_register_lists_every_disclosure(customer, tmp_path):
    _disclose("--recipient", "law-enforcement", "--basis", BASIS, "--reference", "MET-3",
              "--email", EMAIL, out=tmp_path)  # fmt: skip
    listing = io.StringIO()
    call_command("disclose", "--list", stdout=listing)
    text = listing.getvalue()
    assert "Police and other authorities" in text and "ref MET-3" in text and BASIS in text
    assert text.rstrip().endswith("1 disclosure")
