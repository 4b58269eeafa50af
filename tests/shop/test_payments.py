"""``pledge payments import`` (AL8): PayPal, a bank, any layout; matched; bad rows by line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from pledge.audit.models import AuditEvent
from pledge.shop.ledger import BANK, PAYPAL, layout_load, payment_match, payments_import
from pledge.shop.models import OrderStatus, Payment, PaymentMethod, PaymentStatus
from tests.shop.conftest import TOKYO, email_order

pytestmark = pytest.mark.django_db

PAYPAL_HEADER = (
    '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
    '"From Email Address","To Email Address","Transaction ID","Item Title","Invoice Number",'
    '"Subject","Note","Balance"'
)


def paypal_row(date, name, kind, status, gross, email, txn, invoice="", note="") -> str:
    return (
        f'"{date}","10:15:00","JST","{name}","{kind}","{status}","JPY","{gross}","0","{gross}",'
        f'"{email}","info@alps-printer.jp","{txn}","","{invoice}","","{note}","0"'
    )


@pytest.fixture
def orders(alps):
    kaori = email_order()  # 12,800 JPY, by reference
    hiro = email_order(email="hiro@example.com", name="Hiro Tanaka", total_items="5000")
    return kaori, hiro


@pytest.mark.clause("AL8")
def test_a_paypal_export_is_imported_matched_and_its_other_rows_reported(orders, tmp_path):
    kaori, hiro = orders
    rows = [
        paypal_row("02/05/2024", "Kaori Sato", "Express Checkout Payment", "Completed",
                   "12,800", "kaori.paypal@example.jp", "8MC585209K746392H",
                   invoice=kaori.reference.lower()),
        paypal_row("03/05/2024", "Hiro Tanaka", "General Payment", "Completed", "5,800",
                   "hiro@example.com", "1AB23456CD789012E"),
        paypal_row("03/05/2024", "Mai Suzuki", "General Payment", "Completed", "3,000",
                   "mai@example.jp", "9ZZ23456CD789012E"),
        paypal_row("04/05/2024", "", "General Withdrawal", "Completed", "-20,000", "", "5WD1"),
        paypal_row("04/05/2024", "Ken", "General Payment", "Pending", "1,000", "k@example.jp",
                   "7PD1"),
        paypal_row("31/02/2024", "Bad Date", "General Payment", "Completed", "1,000", "", "X1"),
        paypal_row("05/05/2024", "Bad Amount", "General Payment", "Completed", "lots", "", "X2"),
        '"05/05/2024","too","few","fields"',
    ]  # fmt: skip
    path = tmp_path / "Download.CSV"
    path.write_text("\n".join([PAYPAL_HEADER, *rows]) + "\n", encoding="utf-8-sig")
    # when it is imported
    report = payments_import(path=path)
    # then three payments are in the ledger, two matched to their orders
    assert report.layout == PAYPAL.name
    assert (report.matched, report.unmatched) == (2, 1)
    assert [(b.line, b.reason.split(" ")[0]) for b in report.skipped] == [
        (5, "money"),
        (6, "status"),
    ]
    assert [b.line for b in report.bad] == [7, 8, 9]
    assert "date '31/02/2024' does not match" in report.bad[0].reason
    assert "amount 'lots' is not a number" in report.bad[1].reason
    assert "4 fields where the header has 18" in report.bad[2].reason
    by_kaori = Payment.objects.get(reference="8MC585209K746392H")
    assert by_kaori.order == kaori and by_kaori.subject_id == kaori.subject_id
    assert by_kaori.amount == Decimal("12800") and by_kaori.method == PaymentMethod.PAYPAL
    assert by_kaori.received_at == dt.datetime(2024, 5, 2, 10, 15, tzinfo=TOKYO)
    assert by_kaori.payer_name.reveal(purpose="orders") == "Kaori Sato"
    assert Payment.objects.get(reference="1AB23456CD789012E").order == hiro, "by email and amount"
    unmatched = Payment.objects.get(reference="9ZZ23456CD789012E")
    assert unmatched.status == PaymentStatus.UNMATCHED and unmatched.order is None
    kaori.refresh_from_db()
    assert kaori.status == OrderStatus.PAID and kaori.paid_at == by_kaori.received_at
    assert AuditEvent.objects.filter(action="payment.recorded").count() == 3
    # and importing the same file again imports nothing twice
    again = payments_import(path=path)
    assert (again.imported, again.duplicates) == (0, 3)


@pytest.mark.clause("AL8")
def test_a_bank_statement_and_identical_transfers_on_one_day(orders, tmp_path):
    kaori, _ = orders
    ref = kaori.reference.replace("-", " ")
    path = tmp_path / "statement.csv"
    path.write_text(
        "Date,Description,Amount,Balance\n"
        f"2024-05-03,FURIKOMI SATO KAORI {ref},12800,112800\n"
        "2024-05-04,FURIKOMI TANAKA,1000,113800\n"
        "2024-05-04,FURIKOMI TANAKA,1000,113800\n"
        "2024-05-05,ELECTRICITY,-8000,105800\n",
        encoding="utf-8",
    )
    report = payments_import(path=path)
    assert report.layout == BANK.name
    assert (report.matched, report.unmatched, len(report.skipped)) == (1, 2, 1)
    assert Payment.objects.filter(order=kaori, method=PaymentMethod.BANK_TRANSFER).count() == 1
    assert payments_import(path=path).duplicates == 3


@pytest.mark.clause("AL8")
def test_a_mapping_file_reads_a_japanese_banks_shift_jis_layout(orders, tmp_path):
    kaori, _ = orders
    mapping = tmp_path / "mufg.yaml"
    mapping.write_text(
        "name: MUFG statement\nmethod: bank-transfer\nencoding: cp932\nheader_line: 2\n"
        "date: 日付\ndate_format: '%Y/%m/%d'\namount: お預入れ\ndefault_currency: JPY\n"
        "payer: 摘要\nmemo: [摘要]\n",
        encoding="utf-8",
    )
    statement = tmp_path / "meisai.csv"
    statement.write_bytes(
        (
            "口座番号 0123456\n"
            "日付,摘要,お預入れ,お引出し,残高\n"
            f'2024/05/03,フリコミ サトウ カオリ {kaori.reference},"12,800",,112800\n'
            "2024/05/04,デンキダイ,,8000,104800\n"
        ).encode("cp932")
        + b"2024/05/05,\x85\x40,100,,104900\n"
    )
    report = payments_import(path=statement, layout=layout_load(mapping))
    assert (report.matched, len(report.skipped), [b.line for b in report.bad]) == (1, 1, [5])
    assert "not cp932 text" in report.bad[0].reason
    payment = Payment.objects.get(order=kaori)
    assert payment.payer_name.reveal(purpose="orders").startswith("フリコミ サトウ カオリ")


def test_an_unterminated_quote_costs_only_its_own_line(orders, tmp_path):
    path = tmp_path / "statement.csv"
    path.write_text(
        'Date,Description,Amount\n2024-05-03,"OPEN QUOTE,100\n2024-05-04,GOOD ONE,200\n'
        '2024-05-05,"ANOTHER ""QUOTED"" ONE",300\n',
        encoding="utf-8",
    )
    report = payments_import(path=path)
    assert [b.line for b in report.bad] == [2]
    assert "unterminated quote" in report.bad[0].reason
    assert report.unmatched == 2


def test_a_mapping_file_with_mistakes_is_refused_with_each_one(tmp_path):
    from pledge.shop.ledger import StatementError

    mapping = tmp_path / "bad.yaml"
    mapping.write_text("method: cash\ndate: Date\ncolour: red\n", encoding="utf-8")
    with pytest.raises(StatementError) as refused:
        layout_load(mapping)
    message = str(refused.value)
    assert "method" in message and "amount" in message and "colour" in message


@pytest.mark.clause("AL8")
def test_the_command_reports_rows_by_file_and_line_and_fails_when_some_were_unreadable(
    orders, tmp_path, capsys
):
    path = tmp_path / "statement.csv"
    path.write_text("Date,Description,Amount\n2024-05-03,X,100\nnot a date,Y,5\n")
    with pytest.raises(CommandError) as failed:
        call_command("payments", "import", str(path))
    out, err = capsys.readouterr()
    assert f"unreadable: {path}:3: date 'not a date' does not match %Y-%m-%d" in err
    assert "1 payments imported" in out and failed.value.returncode == 1
    unknown = tmp_path / "other.csv"
    unknown.write_text("When,What\n2024-01-01,x\n")
    with pytest.raises(CommandError, match="mapping file"):
        call_command("payments", "import", str(unknown))


def test_the_operator_matches_a_payment_by_hand_and_the_payer_moves_to_the_customer(orders):
    kaori, _ = orders
    path_row = Payment.objects.create(
        subject=kaori.subject.__class__.objects.create(kind="customer"),
        method=PaymentMethod.BANK_TRANSFER,
        status=PaymentStatus.UNMATCHED,
        amount=Decimal("12800"),
        currency="JPY",
        reference="row-1",
        payer_name="SATO K",
    )
    payment_match(payment=path_row, order=kaori, actor="operator:1")
    path_row.refresh_from_db()
    assert path_row.subject_id == kaori.subject_id and path_row.status == PaymentStatus.RECEIVED
    assert path_row.payer_name.reveal(purpose="orders") == "SATO K"
    kaori.refresh_from_db()
    assert kaori.status == OrderStatus.PAID
