"""The database itself refuses to change or delete an audit event, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from pledge.audit.admin import AuditEventAdmin
from pledge.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def test_an_orm_update_is_refused(trail):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=3).update(count=0)
    assert AuditEvent.objects.get(sequence=3).count == 3


def test_saving_a_changed_event_is_refused(trail):
    event = trail[2]
    event.rule = "nothing to see"
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        event.save()


@pytest.mark.clause("AL12")
def test_deleting_an_event_is_refused(trail):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=3).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        trail[-1].delete()
    assert AuditEvent.objects.count() == 10


@pytest.mark.parametrize(
    "statement",
    [f"UPDATE {TABLE} SET hash = 'x'", f"DELETE FROM {TABLE}"],
    ids=["update", "delete"],
)
def test_plain_sql_is_refused_too(trail, statement):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 10


def test_the_admin_shows_events_and_changes_nothing(trail, rf: RequestFactory):
    admin = AuditEventAdmin(AuditEvent, site)
    request = rf.get("/admin/audit/auditevent/")
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, trail[0])
    assert not admin.has_delete_permission(request, trail[0])
    assert "delete_selected" not in admin.get_actions(request)
