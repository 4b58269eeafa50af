"""The archive in the admin: nothing personal in lists; reading is permitted and audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from pledge.audit.models import AuditEvent
from pledge.correspondence.models import Message
from tests.correspondence.conftest import email, import_messages

pytestmark = pytest.mark.django_db


def _staff(client, django_user_model, *, reveal: bool):
    user = django_user_model.objects.create_user(
        "staff@example.jp", "a staff passphrase 1", is_staff=True
    )
    codenames = ["view_message", *(["reveal_personal_data"] if reveal else [])]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    client.cookies["operator"] = client.cookies.pop("basket").value
    return user


@pytest.fixture
def message(alps):
    attachment = ("quote.txt", "text/plain", b"2 x toner")
    import_messages([email(attachments=[attachment])])
    return Message.objects.get()


def test_the_list_and_a_page_without_the_permission_show_nothing_personal(
    client, django_user_model, message
):
    _staff(client, django_user_model, reveal=False)
    listing = client.get("/operator/correspondence/message/", secure=True).content.decode()
    page = client.get(
        f"/operator/correspondence/message/{message.pk}/change/", secure=True
    ).content.decode()
    for text in (listing, page):
        assert "Kaori" not in text and "toner" not in text and "kaori@example.jp" not in text
    assert str(message.pk)[:8] in listing
    assert "you need the permission" in page
    download = f"/operator/correspondence/message/{message.pk}/attachment/0/"
    assert client.get(download, secure=True).status_code == 403


@pytest.mark.clause("JC2")
def test_with_the_permission_staff_read_it_and_each_read_is_audited(
    client, django_user_model, message
):
    staff = _staff(client, django_user_model, reveal=True)
    page = client.get(
        f"/operator/correspondence/message/{message.pk}/change/", secure=True
    ).content.decode()
    assert "Kaori Sato &lt;kaori@example.jp&gt;" in page and "Order for toner" in page
    download = client.get(
        f"/operator/correspondence/message/{message.pk}/attachment/0/", secure=True
    )
    assert download.content == b"2 x toner"
    events = AuditEvent.objects.filter(action="admin.personal_data_viewed")
    assert events.count() == 2
    assert {e.subject for e in events} == {message.subject_id}
    assert {e.actor for e in events} == {f"operator:{staff.pk}"}
