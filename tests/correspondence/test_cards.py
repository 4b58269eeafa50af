"""Card numbers never reach the archive (JC5): redacted in every part, counted in the audit."""

from __future__ import annotations

import pytest

from pledge.audit.models import AuditEvent
from pledge.correspondence.models import Attachment, Message
from pledge.correspondence.selectors import attachment_content
from tests.correspondence.conftest import email, import_messages

pytestmark = pytest.mark.django_db

VISA = "4111 1111 1111 1111"
AMEX = "3782-822463-10005"
JAN_BARCODE = "4901234567894"  # a product barcode (valid EAN-13), not a card
NOT_LUHN = "4111 1111 1111 1112"


@pytest.mark.clause("JC5")
def test_card_numbers_are_removed_from_every_part_before_storage(alps):
    # given a message quoting cards in its subject, text, HTML, a text file and a PDF
    pdf = b"%PDF-1.4\n1 0 obj <<>> stream\nBT (Card " + AMEX.encode() + b") Tj ET\nendstream\n"
    raw = email(
        subject=f"Payment with {VISA}",
        body=f"My card is {VISA}, expiry 12/29. The toner code is {JAN_BARCODE}; ref {NOT_LUHN}.",
        attachments=[("card.txt", "text/plain", f"number: {AMEX}".encode()),
                     ("order.pdf", "application/pdf", pdf)],
    )  # fmt: skip
    # when it is imported
    report, _ = import_messages([raw])
    # then no card number is stored anywhere, and the rest of the text is intact
    assert report.cards == 4
    (copy,) = Message.objects.all()
    text = copy.text.reveal(purpose="audit")
    assert VISA not in text and "[card number removed]" in text
    assert JAN_BARCODE in text and NOT_LUHN in text, "barcodes and non-cards are kept"
    assert VISA not in copy.headers.reveal(purpose="audit")["subject"]
    files = {
        a.meta.reveal(purpose="audit")["filename"]: attachment_content(
            attachment=a, purpose="audit"
        )
        for a in Attachment.objects.all()
    }
    assert files["card.txt"] == b"number: XXXX-XXXXXX-XXXXX"
    assert files["order.pdf"] == pdf.replace(b"3782-822463-10005", b"XXXX-XXXXXX-XXXXX")
    assert len(files["order.pdf"]) == len(pdf), "binary layouts keep their byte offsets"
    assert copy.card_numbers_removed == 4


@pytest.mark.clause("JC5")
def test_each_redaction_is_counted_in_the_audit_per_copy(alps):
    import_messages([email(body=f"card {VISA}", cc="Hiro <hiro@example.com>")])
    events = AuditEvent.objects.filter(action="correspondence.card_numbers_redacted")
    assert sorted(e.count for e in events) == [1, 1]
    assert {e.subject for e in events} == set(Message.objects.values_list("subject_id", flat=True))
    batch = AuditEvent.objects.get(action="correspondence.imported")
    assert batch.detail["card_numbers_removed"] == 1
    assert "4111" not in str([e.detail for e in events])
