"""Fuzzing the header and address handling: whatever arrives, nothing raises, no wrong links."""

from __future__ import annotations

import datetime as dt
import json
from email import policy
from email.utils import formataddr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledge.correspondence.addresses import parse_address_header, valid_address
from pledge.correspondence.importing import correspondents
from pledge.correspondence.models import Message
from pledge.correspondence.parsing import Unreadable, parse
from tests.correspondence.conftest import import_messages

NOW = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
OWN = ["info@alps-printer.jp", "orders@alps-printer.jp"]

atoms = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-+", min_size=1, max_size=20)
labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
addresses = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    atoms.filter(lambda a: not a.startswith(".") and not a.endswith(".") and ".." not in a),
    st.lists(labels.filter(lambda label: not label.startswith("-")), min_size=1, max_size=3),
    st.sampled_from(["jp", "com", "org", "co.uk"]),
)
header_text = st.text(max_size=300) | st.text(alphabet='<>@",;:()\\[] .=?a', max_size=80)


@given(header_text)
@settings(max_examples=400, deadline=None)
def test_any_header_value_parses_without_raising_into_plausible_addresses(value):
    found, shown = parse_address_header(value)
    assert len(found) == len(shown)
    assert all(valid_address(a) for a in found)
    json.dumps(shown).encode("utf-8")  # storable


@given(st.lists(st.tuples(st.text(max_size=40), addresses), min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_formatted_addresses_come_back_exactly_and_display_names_never_link(people):
    # display names may hold anything, even text that looks like another address
    value = ", ".join(formataddr((name, address)) for name, address in people)
    found, _ = parse_address_header(value)
    assert found == [address for _, address in people]


@given(st.one_of(st.text(max_size=60), st.from_regex(r"[A-Za-z .'_-]{0,20} ?<[^<>\s]{1,40}>")))
@settings(max_examples=300, deadline=None)
def test_the_fast_path_agrees_with_the_standard_parser(value):
    found, _ = parse_address_header(value)
    try:
        standard = [a.addr_spec for a in policy.default.header_factory("To", value).addresses]
    except Exception:
        return  # the standard parser itself fails: nothing to agree with
    assert found == [a for a in standard if valid_address(a)]


@given(st.lists(addresses, max_size=6), st.lists(st.sampled_from(OWN), max_size=2), st.data())
@settings(max_examples=200, deadline=None)
def test_our_own_addresses_are_never_correspondents_in_any_case(people, own, data):
    mixed = [a.upper() if data.draw(st.booleans()) else a for a in people + own]
    result = correspondents(mixed, OWN)
    lowered = [a.lower() for a in result]
    assert not set(lowered) & set(OWN)
    assert len(lowered) == len(set(lowered))
    assert set(lowered) == {a.lower() for a in people}


header_names = st.sampled_from(
    ["From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type", "Received",
     "Content-Transfer-Encoding", "Reply-To", "X-Odd"]
)  # fmt: skip
header_lines = st.lists(
    st.tuples(header_names, st.binary(max_size=120) | st.text(max_size=120).map(str.encode)),
    max_size=10,
)


@given(header_lines, st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_any_bytes_parse_or_are_refused_as_unreadable(headers, body):
    raw = b"".join(name.encode() + b": " + value + b"\n" for name, value in headers) + b"\n" + body
    try:
        parsed = parse(raw, now=NOW)
    except Unreadable:
        return
    json.dumps(parsed.headers).encode("utf-8")
    parsed.text.encode("utf-8")
    assert all(valid_address(a) for a in parsed.addresses)


@pytest.mark.django_db
@given(header_lines, st.binary(max_size=200))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_message_is_stored_or_reported_never_lost(alps, headers, body):
    raw = b"".join(name.encode() + b": " + value + b"\n" for name, value in headers) + b"\n" + body
    good = b"From: k@example.jp\nMessage-ID: <" + str(len(raw)).encode() + b"-fuzz@x>\n\nok\n"
    before = Message.objects.count()
    report, reports = import_messages([raw, good])
    assert report.read == 2
    assert report.stored + report.duplicates + report.problems == 2
    assert len(reports.problems()) == report.problems
    assert Message.objects.count() - before == report.copies


@given(st.binary(max_size=200).map(lambda b: b.replace(b"x", b"\r\n")), st.integers(0, 30))
@settings(max_examples=300, deadline=None)
def test_the_streamed_body_digest_is_the_digest_of_the_normalised_body(raw, start):
    import hashlib

    from pledge.correspondence import parsing

    start = min(start, len(raw))
    expected = hashlib.sha256(raw[start:].replace(b"\r\n", b"\n").rstrip()).digest()
    original = parsing._HASH_CHUNK
    try:
        parsing._HASH_CHUNK = 7  # many chunk boundaries, some inside a CRLF
        assert parsing.body_digest(raw, start) == expected
    finally:
        parsing._HASH_CHUNK = original
