"""The rights request form cannot be used to flood an inbox: limits per address and network."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from pledge.web.ratelimit import SlidingWindow

pytestmark = pytest.mark.django_db


def _ask(client, email: str, ip: str = "203.0.113.20"):
    return client.post(reverse("web:rights"), {"email": email, "kind": "access"},
                       REMOTE_ADDR=ip, secure=True)  # fmt: skip


@pytest.mark.clause("JC14")
def test_a_fourth_request_to_one_address_within_the_hour_sends_no_mail(client):
    # given three requests for one address, from three networks
    for n in range(3):
        assert _ask(client, "victim@example.com", ip=f"198.51.100.{n}").status_code == 302
    assert len(mail.outbox) == 3
    # when a fourth comes
    refused = _ask(client, "Victim@Example.com", ip="192.0.2.9")
    # then no mail goes, and the page says why and when to try again, keeping the input
    assert refused.status_code == 429 and len(mail.outbox) == 3
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many requests" in refused.content.decode()
    assert 'value="Victim@Example.com"' in refused.content.decode()
    # and another address is not affected
    assert _ask(client, "someone@example.com", ip="192.0.2.9").status_code == 302


@pytest.mark.clause("JC14")
def test_one_network_may_send_ten_requests_an_hour(client):
    for n in range(10):
        assert _ask(client, f"person{n}@example.com").status_code == 302
    assert _ask(client, "person10@example.com").status_code == 429
    # an IPv6 client counts per /64: a fresh address in the same /64 is the same network
    for n in range(10):
        assert _ask(client, f"v6-{n}@example.com", ip=f"2001:db8:1:2::{n + 1}").status_code == 302
    assert _ask(client, "v6-x@example.com", ip="2001:db8:1:2::ffff").status_code == 429


def test_the_window_slides():
    window = SlidingWindow(limit=2, window=dt.timedelta(hours=1))
    start = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    window.record("k", start)
    window.record("k", start + dt.timedelta(minutes=30))
    refused = window.check("k", start + dt.timedelta(minutes=45))
    assert not refused.allowed and refused.retry_after == 15 * 60
    assert window.check("k", start + dt.timedelta(hours=1)).allowed  # the first has left
