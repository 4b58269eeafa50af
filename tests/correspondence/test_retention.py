"""Retention of mail (AL7): five years at least, never swept after, erased on a written request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from pledge.correspondence.models import Message
from pledge.datamap import registry
from pledge.datamap.erasure import subject_erase
from pledge.policy.calendar import deadline
from pledge.policy.notice import render
from pledge.vault import keyring
from tests.correspondence.conftest import (
    ALPS,
    JAPAN_CENTRE,
    RECEIVED,
    email,
    import_messages,
    subject_of,
)

pytestmark = pytest.mark.django_db

TOKYO = dt.timezone(dt.timedelta(hours=9))
YOUNGEST = dt.datetime(2021, 3, 10, 14, 0, tzinfo=dt.UTC)


def _kaori_wrote_twice() -> None:
    import_messages(
        [email(received=RECEIVED), email(received=YOUNGEST, message_id="<later@example.jp>")]
    )


def _outcome(outcomes, category="user.correspondence"):
    return next(o for o in outcomes if o.category == category)


@pytest.mark.clause("AL7")
def test_a_request_before_five_years_is_answered_with_the_date_it_becomes_possible(alps):
    # given Kaori wrote in 2020 and again in March 2021
    _kaori_wrote_twice()
    kaori = subject_of("kaori@example.jp")
    # when she asks in writing in 2025 for her correspondence to be deleted
    outcome = _outcome(
        subject_erase(subject_id=kaori.pk, reason="letter of 2025-05-01",
                      now=dt.datetime(2025, 5, 1, tzinfo=TOKYO))
    )  # fmt: skip
    # then nothing is deleted, and the answer names the day five years after her last email
    assert outcome.status == "kept"
    assert outcome.until == dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
    assert outcome.words("Asia/Tokyo").startswith("kept until 10 March 2026 under the minimum")
    assert "five years" in outcome.rule and "auditing requirements" in outcome.rule
    assert Message.objects.filter(subject=kaori).count() == 2
    assert keyring.subject_refs(kaori.pk)


@pytest.mark.clause("AL7")
@pytest.mark.clause("AL12")
def test_a_request_after_five_years_erases_every_copy_and_the_key(alps):
    _kaori_wrote_twice()
    kaori = subject_of("kaori@example.jp")
    outcome = _outcome(
        subject_erase(subject_id=kaori.pk, reason="letter of 2026-04-01",
                      now=dt.datetime(2026, 4, 1, tzinfo=TOKYO))
    )  # fmt: skip
    assert outcome.status == "erased" and outcome.count == 2
    assert not Message.objects.filter(subject=kaori).exists()
    assert keyring.subject_refs(kaori.pk) == []
    assert subject_of("kaori@example.jp") is None, "her address no longer finds anyone"


@pytest.mark.clause("AL7")
def test_no_sweep_ever_deletes_mail_under_alps(alps):
    # the rule the datamap applies to every message: erasable after five years, never due
    _kaori_wrote_twice()
    rule = ALPS.category("user.correspondence").retention
    holders = [h for h in registry.holders(ALPS) if h.model is Message]
    (holder,) = holders
    for message in Message.objects.all():
        anchor = holder.anchor_of(message)
        schedule = deadline(anchor, rule, ALPS.time_zone)
        assert schedule.erasable_at.year == anchor.year + 5
        assert schedule.due_at is None, "no date on which a sweep would delete it"
    if "pledge.retention" not in settings.INSTALLED_APPS:
        pytest.skip("the retention app is not installed yet: the sweep itself was not run")
    from pledge.retention.sweep import sweep_run

    sweep_run(now=dt.datetime(2045, 1, 1, tzinfo=TOKYO))
    assert Message.objects.count() == 2


@pytest.mark.clause("JC6")
def test_under_japan_centre_mail_goes_two_years_after_it_arrived(settings):
    settings.POLICY = JAPAN_CENTRE
    rule = JAPAN_CENTRE.category("user.correspondence").retention
    schedule = deadline(RECEIVED, rule, JAPAN_CENTRE.time_zone)
    assert schedule.due_at == dt.datetime(2022, 6, 1, 9, 30, tzinfo=dt.UTC)


@pytest.mark.clause("AL7")
def test_the_notice_says_copies_at_outside_mail_providers_are_beyond_reach():
    notice = render(ALPS, "md")
    assert "we can delete our copies, not theirs" in notice
    assert "five years" in notice and "ask us in writing" in notice
