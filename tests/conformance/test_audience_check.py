"""``stores.marketing_audience``: who may be on the marketing list, and how a check tells."""

from __future__ import annotations

import pytest

from pledge.accounts.models import ConsentRecord
from pledge.accounts.services import customer_register
from pledge.conformance.checks.audience import AudienceConsented
from pledge.conformance.results import Status
from pledge.notices.selectors import notice_current
from tests.conformance.test_scans import ALPS, SHOP, context

pytestmark = pytest.mark.django_db


def _customer(settings, email: str, *, marketing: bool):
    notice = notice_current(policy=settings.POLICY)
    user = customer_register(
        name="Sora Endo", email=email, postal_address="4 Mill Street, Leeds", phone="",
        password="plum-harbour-3307", marketing=marketing, notice=notice,
    ).user  # fmt: skip
    user.is_active = True
    user.save()
    return user, notice


@pytest.mark.clause("JC9")
def test_customers_who_ticked_the_box_themselves_keep_the_promise(settings):
    settings.POLICY = SHOP
    _customer(settings, "sora@example.org", marketing=True)
    _customer(settings, "ren@example.org", marketing=False)

    result = AudienceConsented().run(context(SHOP))

    assert result.status is Status.KEPT, result
    assert result.summary.startswith("each of the 1 customer on the marketing list consented")


@pytest.mark.clause("JC9")
def test_a_consent_written_past_the_consent_service_is_named_with_its_record(settings):
    settings.POLICY = SHOP
    user, notice = _customer(settings, "ren@example.org", marketing=False)
    # the account form's name, but written straight to the table: no audit event
    record = ConsentRecord.objects.create(
        subject=user.subject, purpose="marketing", given=True, form="account", notice=notice
    )

    result = AudienceConsented().run(context(SHOP))

    assert result.status is Status.BROKEN
    assert result.evidence[0].text.startswith("consent with no audit event")
    assert result.evidence[0].where.startswith(f"accounts.ConsentRecord {record.pk}")


def test_a_site_without_marketing_has_no_list_to_check():
    assert AudienceConsented().run(context(ALPS)).status is Status.NOT_APPLICABLE
