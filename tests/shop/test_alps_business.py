"""The issue's "done when": the ALPS business run from pledge, end to end.

Five years of mail and the payments come in; a customer's written erasure request is answered
correctly before and after the five years (AL7), the ledger staying with its rule named (AL8);
the anonymised statistics stay readable throughout (AL10).
"""

from __future__ import annotations

import datetime as dt
import mailbox
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core.management import call_command

from pledge.correspondence.models import Message
from pledge.datamap.erasure import subject_erase
from pledge.shop.models import Order, OrderStatus, Payment
from pledge.shop.stats import order_statistics
from pledge.vault.blind_index import email_index
from pledge.vault.models import Subject
from tests.shop.conftest import TOKYO, email_order

pytestmark = pytest.mark.django_db

KAORI = "kaori@example.jp"


def _mail(n: int, when: dt.datetime, sender: str, to: str) -> bytes:
    message = EmailMessage()
    message["Received"] = f"from mx by mail.alps-printer.jp; {format_datetime(when)}"
    message["From"], message["To"] = sender, to
    message["Subject"], message["Message-ID"] = f"Order {n}", f"<alps-{n}@example.jp>"
    message["Date"] = format_datetime(when)
    message.set_content(f"Message {n} about toner for Osaka.")
    return bytes(message)


def _five_years_of_mail(path):
    box = mailbox.mbox(path, create=True)
    start = dt.datetime(2019, 4, 1, 9, 0, tzinfo=TOKYO)
    for n in range(60):  # a message a month, alternately from Kaori and our answer to her
        when = start + dt.timedelta(days=30 * n // 2 + n % 2)
        if n % 2:
            box.add(_mail(n, when, "ALPS <info@alps-printer.jp>", f"Kaori <{KAORI}>"))
        else:
            box.add(_mail(n, when, f"Kaori <{KAORI}>", "orders@alps-printer.jp"))
    for n in range(60, 66):  # other customers
        when = start + dt.timedelta(days=40 * (n - 59))
        box.add(_mail(n, when, f"c{n}@example.com", "info@alps-printer.jp"))
    box.close()
    return path


@pytest.mark.clause("AL7")
@pytest.mark.clause("AL8")
@pytest.mark.clause("AL10")
def test_an_operator_runs_the_alps_business_from_pledge(alps, tmp_path, capsys):
    # given five years of mail imported, her email order entered and the PayPal export read
    call_command("mail", "import", str(_five_years_of_mail(tmp_path / "mbox")))
    assert "66 read: 66 stored as 66 copies" in capsys.readouterr().out
    order = email_order(email=KAORI, placed_at=dt.datetime(2021, 3, 20, tzinfo=TOKYO))
    paypal = tmp_path / "paypal.csv"
    paypal.write_text(
        '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","From Email Address",'
        '"Transaction ID","Invoice Number"\n'
        f'"22/03/2021","11:00:00","JST","Kaori Sato","Express Checkout Payment","Completed",'
        f'"JPY","12,800","{KAORI}","4TX11111AB222222C","{order.reference}"\n'
    )
    call_command("payments", "import", str(paypal))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    kaori = Subject.objects.get(email_index=email_index(KAORI))
    assert Message.objects.filter(subject=kaori).count() == 60
    last = Message.objects.filter(subject=kaori).order_by("-received_at").first().received_at
    assert last.date() == dt.date(2021, 9, 3)

    # when she asks in writing, in January 2026, for her data to be deleted
    early = {
        o.category: o
        for o in subject_erase(subject_id=kaori.pk, reason="letter of 2026-01-15",
                               now=dt.datetime(2026, 1, 15, tzinfo=TOKYO))
    }  # fmt: skip
    # then her mail is kept until five years after her last message, and the answer says when
    mail = early["user.correspondence"]
    assert mail.status == "kept" and mail.until == last.replace(year=last.year + 5)
    assert "minimum keep of five years" in mail.rule
    ledger = early["user.behavior.purchase_history"]
    assert ledger.status == "kept" and "cannot be deleted at visitor request" in ledger.rule
    assert Message.objects.filter(subject=kaori).count() == 60

    # when she asks again after the five years
    later = {
        o.category: o
        for o in subject_erase(subject_id=kaori.pk, reason="letter of 2026-10-01",
                               now=dt.datetime(2026, 10, 1, tzinfo=TOKYO))
    }  # fmt: skip
    # then her mail is erased, and the PayPal record and the order stay, with the rule named
    assert later["user.correspondence"].status == "erased"
    assert later["user.correspondence"].count == 60
    assert not Message.objects.filter(subject=kaori).exists()
    assert later["user.behavior.purchase_history"].status == "kept"
    assert "seven years" in later["user.behavior.purchase_history"].words("Asia/Tokyo")
    payment = Payment.objects.get(reference="4TX11111AB222222C")
    assert payment.payer_name.reveal(purpose="audit") == "Kaori Sato"
    assert Order.objects.get(pk=order.pk).delivery_name.reveal(purpose="audit") == "Kaori Sato"
    assert Message.objects.count() == 6, "other customers' mail is untouched"

    # and the anonymised statistics are there to read (one order: a group too small to show)
    call_command("stats", "orders")
    out = capsys.readouterr().out
    assert "2021-03: fewer than 5 orders" in out and KAORI not in out
    assert order_statistics()[0].suppressed == {"country": 1, "postage": 1}
