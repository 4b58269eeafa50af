"""Enquiries (JC14, AL14): japan-centre's contact form files them; alps has no form at all."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from pledge.audit.models import AuditEvent
from pledge.correspondence.models import Direction, Message, Source
from tests.correspondence.conftest import copies_of

pytestmark = pytest.mark.django_db

FORM = {"name": "Kaori Sato", "email": "kaori@example.jp", "message": "Do you sell natto?"}


@pytest.mark.clause("JC14")
@pytest.mark.clause("JC6")
def test_the_contact_form_files_an_enquiry_into_correspondence(client):
    # given the japan-centre contact page, which sets no cookie
    page = client.get("/contact/", secure=True)
    assert 'name="message"' in page.content.decode() and page.cookies == {}
    # when a visitor sends a question
    sent = client.post("/contact/", FORM, secure=True)
    # then it is filed under the subject of the address given, encrypted, and they are thanked
    assert sent.status_code == 302 and sent["Location"] == "/contact/?sent=1"
    assert sent.cookies == {}
    (enquiry,) = copies_of("kaori@example.jp")
    assert (enquiry.source, enquiry.direction) == (Source.CONTACT_FORM, Direction.RECEIVED)
    assert enquiry.text.reveal(purpose="service") == "Do you sell natto?"
    headers = enquiry.headers.reveal(purpose="service")
    assert headers["from"] == ["Kaori Sato <kaori@example.jp>"]
    assert "not verified" in headers["notes"][0]
    assert (
        "your question has reached us" in client.get(sent["Location"], secure=True).content.decode()
    )
    assert AuditEvent.objects.filter(action="correspondence.enquiry_filed").count() == 1


@pytest.mark.clause("JC5")
def test_a_card_number_in_an_enquiry_is_refused(client):
    response = client.post(
        "/contact/", {**FORM, "message": "Charge 4111 1111 1111 1111 please"}, secure=True
    )
    assert response.status_code == 400
    assert "payment card number" in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.clause("JC12")
def test_a_form_posted_from_another_site_is_refused(client):
    forged = client.post("/contact/", FORM, secure=True, headers={"Sec-Fetch-Site": "cross-site"})
    other = client.post("/contact/", FORM, secure=True, headers={"Origin": "https://evil.example"})
    assert forged.status_code == other.status_code == 403
    assert not Message.objects.exists()
    same = client.post("/contact/", FORM, secure=True, headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 302


@pytest.mark.clause("JC14")
@pytest.mark.clause("AL14")
def test_under_alps_the_contact_page_shows_the_address_and_has_no_form(client, alps_site):
    page = client.get("/contact/", secure=True).content.decode()
    assert "info@alps-printer.jp" in page
    assert "<form" not in page and "Email systems are not linked to this website" in page
    refused = client.post("/contact/", FORM, secure=True)
    assert refused.status_code == 405
    assert not Message.objects.exists()


@pytest.mark.clause("JC14")
def test_the_operator_answers_by_email_and_the_answer_is_filed(client, django_user_model):
    # given an enquiry, and a member of staff allowed to read and answer it
    client.post("/contact/", FORM, secure=True)
    (enquiry,) = Message.objects.all()
    staff = django_user_model.objects.create_user(
        "staff@example.jp", "a staff passphrase 1", is_staff=True
    )
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_message", "change_message", "reveal_personal_data"]
        )
    )
    client.force_login(staff)
    client.cookies["operator"] = client.cookies.pop("basket").value
    # when they answer it in the admin
    answer_url = f"/operator/correspondence/message/{enquiry.pk}/answer/"
    response = client.post(answer_url, {"text": "Yes: three kinds."}, secure=True)
    # then the answer goes by email from the controller's address, and is filed as sent
    assert response.status_code == 302
    (sent,) = mail.outbox
    assert sent.to == ["kaori@example.jp"] and sent.subject == "Re: Enquiry from the contact form"
    assert "enquiry@japancentre.com" in sent.from_email
    answer = Message.objects.get(direction=Direction.SENT)
    assert answer.subject_id == enquiry.subject_id
    assert answer.text.reveal(purpose="service") == "Yes: three kinds."
