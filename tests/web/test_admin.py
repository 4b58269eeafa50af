"""The operator admin: personal data decrypted only with the permission, and every view audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from pledge.audit.models import AuditEvent
from pledge.shop.basket import BasketLine
from pledge.shop.catalogue import catalogue_seed_demo
from pledge.shop.models import PaymentMethod, Product
from pledge.shop.services import Delivery, order_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    catalogue_seed_demo(printing=False)
    line = BasketLine(Product.objects.first(), 1)
    delivery = Delivery("Kaori Sato", "1 Piccadilly, London", "GB", "kaori@example.jp")
    return order_place(lines=[line], delivery=delivery, payment_method=PaymentMethod.BANK_TRANSFER)


def _staff(django_user_model, client, *, reveal: bool):
    user = django_user_model.objects.create_user(
        "staff@example.jp", "a staff passphrase 1", is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_order"]))
    if reveal:
        user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    client.force_login(user)
    # force_login uses the visitor cookie's name; the admin rides the operator cookie.
    client.cookies["operator"] = client.cookies.pop("basket").value
    return user


def test_staff_without_the_permission_see_no_personal_data(client, django_user_model, order):
    _staff(django_user_model, client, reveal=False)
    page = client.get(f"/operator/shop/order/{order.pk}/change/", secure=True).content.decode()
    assert order.reference in page
    assert "Kaori" not in page and "Piccadilly" not in page
    assert "you need the permission to see decrypted personal data" in page
    assert not AuditEvent.objects.filter(action="admin.personal_data_viewed").exists()


@pytest.mark.clause("JC2")
def test_staff_with_the_permission_see_it_and_the_view_is_audited(client, django_user_model, order):
    staff = _staff(django_user_model, client, reveal=True)
    page = client.get(f"/operator/shop/order/{order.pk}/change/", secure=True).content.decode()
    assert "Kaori Sato" in page and "1 Piccadilly, London" in page
    event = AuditEvent.objects.get(action="admin.personal_data_viewed")
    assert event.subject == order.subject_id and event.actor == f"operator:{staff.pk}"


def test_the_order_list_shows_no_personal_data(client, django_user_model, order):
    _staff(django_user_model, client, reveal=True)
    page = client.get("/operator/shop/order/", secure=True).content.decode()
    assert order.reference in page and "Kaori" not in page
