"""Sign-in throttling: guesses are slowed down, and the records name no one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from pledge.accounts.models import SignInAttempt
from pledge.accounts.throttle import (
    ADDRESS_LIMIT,
    NETWORK_LIMIT,
    WINDOW,
    sign_in_allowed,
    sign_in_attempts_purge,
    sign_in_failed,
    sign_in_succeeded,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 10, 9, 30, tzinfo=dt.UTC)
EMAIL = "kaori@example.jp"
IP = "203.0.113.7"


def _fail(times: int, *, email: str = EMAIL, ip: str = IP, start: dt.datetime = NOW) -> dt.datetime:
    """``times`` failures a minute apart from ``start``; returns the time of the last."""
    at = start
    for n in range(times):
        at = start + dt.timedelta(minutes=n)
        sign_in_failed(email=email, ip=ip, now=at)
    return at


def test_a_fresh_address_may_sign_in():
    decision = sign_in_allowed(email=EMAIL, ip=IP, now=NOW)
    assert decision.allowed and decision.retry_after == 0 and decision.reason == ""


def test_five_failures_are_allowed_and_the_sixth_attempt_is_refused_with_a_wait():
    # Given four failures, a fifth attempt is still allowed
    last = _fail(ADDRESS_LIMIT - 1)
    assert sign_in_allowed(email=EMAIL, ip=IP, now=last).allowed
    # When it fails too
    last = _fail(1, start=last + dt.timedelta(minutes=1))
    # Then the sixth is refused, saying how long to wait: until the first failure is 15 min old
    decision = sign_in_allowed(email=EMAIL, ip=IP, now=last + dt.timedelta(seconds=1))
    assert not decision.allowed
    assert decision.reason == "address"
    assert decision.retry_after == int((NOW + WINDOW - last).total_seconds()) - 1
    assert decision.retry_after > 0


def test_the_address_limit_ignores_case_and_surrounding_space():
    last = _fail(ADDRESS_LIMIT, email="Kaori@Example.JP ")
    assert not sign_in_allowed(email="kaori@example.jp", ip=IP, now=last).allowed


def test_other_addresses_are_unaffected():
    last = _fail(ADDRESS_LIMIT)
    assert not sign_in_allowed(email=EMAIL, ip=IP, now=last).allowed
    assert sign_in_allowed(email="hiro@example.jp", ip=IP, now=last).allowed


def test_the_locked_address_is_locked_from_every_network():
    last = _fail(ADDRESS_LIMIT)
    decision = sign_in_allowed(email=EMAIL, ip="198.51.100.20", now=last)
    assert not decision.allowed and decision.reason == "address"


def test_after_fifteen_minutes_the_address_may_try_again():
    last = _fail(ADDRESS_LIMIT)
    refused = sign_in_allowed(email=EMAIL, ip=IP, now=last)
    assert not refused.allowed
    # When the wait it was told has passed, then it may try again
    later = last + dt.timedelta(seconds=refused.retry_after)
    assert sign_in_allowed(email=EMAIL, ip=IP, now=later).allowed
    assert sign_in_allowed(email=EMAIL, ip=IP, now=NOW + WINDOW).allowed


def test_a_success_clears_the_address_failures():
    last = _fail(ADDRESS_LIMIT)
    sign_in_succeeded(email=EMAIL, ip=IP)
    assert sign_in_allowed(email=EMAIL, ip=IP, now=last).allowed
    assert not SignInAttempt.objects.exists()


def test_a_success_leaves_other_addresses_failures_in_place():
    last = _fail(ADDRESS_LIMIT, email="hiro@example.jp")
    _fail(2)
    sign_in_succeeded(email=EMAIL, ip=IP)
    assert not sign_in_allowed(email="hiro@example.jp", ip=IP, now=last).allowed


def test_one_network_spraying_many_addresses_is_refused():
    # Given one network that failed against 30 different addresses, 2 failures each at most
    for n in range(NETWORK_LIMIT):
        sign_in_failed(email=f"customer{n}@example.jp", ip=IP, now=NOW + dt.timedelta(seconds=n))
    later = NOW + dt.timedelta(minutes=1)
    # Then the next address is refused from that network, not from another
    decision = sign_in_allowed(email="new@example.jp", ip=IP, now=later)
    assert not decision.allowed and decision.reason == "network" and decision.retry_after > 0
    assert sign_in_allowed(email="new@example.jp", ip="198.51.100.20", now=later).allowed


def test_an_ipv6_host_cannot_escape_the_limit_by_changing_address_within_its_64():
    for n in range(NETWORK_LIMIT):
        sign_in_failed(email=f"c{n}@example.jp", ip=f"2001:db8:1:2::{n + 1:x}", now=NOW)
    assert not sign_in_allowed(email="new@example.jp", ip="2001:db8:1:2::ffff", now=NOW).allowed
    assert sign_in_allowed(email="new@example.jp", ip="2001:db8:1:3::1", now=NOW).allowed


def test_the_records_hold_no_email_or_network_address_in_clear():
    _fail(3, email="kaori@example.jp", ip="203.0.113.7")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SignInAttempt._meta.db_table}")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row).lower()
    assert rows
    assert "kaori" not in stored and "example.jp" not in stored
    assert "203.0.113" not in stored
    attempt = SignInAttempt.objects.first()
    # Keyed fingerprints of the two, each under its own key: they do not match each other.
    assert len(attempt.address_index) == len(attempt.network_index) == 64
    assert attempt.address_index != attempt.network_index


@pytest.mark.parametrize(
    ("age", "kept"),
    [(dt.timedelta(hours=23, minutes=59), True), (dt.timedelta(days=1), False)],
)
def test_the_purge_deletes_records_older_than_the_policy_keeps_them(age, kept):
    # Given the policy keeps sign-in attempts one day (japan-centre.yaml)
    sign_in_failed(email=EMAIL, ip=IP, now=NOW - age)
    sign_in_failed(email=EMAIL, ip=IP, now=NOW)
    # When the sweep purges at NOW
    deleted = sign_in_attempts_purge(now=NOW)
    # Then only what has been kept a full day is gone
    assert deleted == (0 if kept else 1)
    assert SignInAttempt.objects.count() == (2 if kept else 1)


def test_the_purge_with_nothing_to_do_deletes_nothing():
    assert sign_in_attempts_purge(now=NOW) == 0
