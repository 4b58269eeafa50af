"""Slowing down password guessing at sign-in, without keeping who tried or from where.

Every failed sign-in is one ``SignInAttempt`` row holding two keyed fingerprints and a time: the
HMAC of the normalised address (the blind index every account lookup already uses) and the HMAC
of the network address under a named key of its own. Neither can be reversed without the vault's
keys, neither matches anything outside this table, and the rows live only as long as the policy
keeps ``user.authorization.attempts`` (one day for Japan Centre).

The sign-in view asks ``sign_in_allowed`` before it checks a password, and reports the outcome
with ``sign_in_failed`` or ``sign_in_succeeded``. A refused attempt is not checked and so not
recorded: a locked-out customer who keeps trying does not extend their own lock.

The limits, per rolling 15 minutes:

- 5 failures per address. Enough for a customer who mistypes or tries their two or three usual
  passwords; at most 480 guesses a day against one account, hopeless against a password that
  passed the validators (10 characters, not a common one). 15 minutes is short enough that the
  price of the lock, which anyone knowing an address can trigger, stays an annoyance.
- 30 failures per network address. Password spraying tries one or two common passwords against
  many addresses, which the per-address limit never sees; one network may still hold several
  customers (an office, a mobile carrier's shared address), so it gets six people's allowance.
  IPv6 addresses count per /64, since one host commonly owns a whole /64 and could otherwise
  take a fresh address for every guess.

Checks and records are not one transaction, so a burst of parallel guesses may overshoot a limit
by the number in flight; each guess costs an Argon2id verification, which bounds that burst.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pledge.accounts.models import SignInAttempt
from pledge.datamap.registry import Holder, declaration_for
from pledge.policy.calendar import deadline
from pledge.vault import crypto, keyring
from pledge.vault.blind_index import email_index

WINDOW = dt.timedelta(minutes=15)
ADDRESS_LIMIT = 5
NETWORK_LIMIT = 30
NETWORK_INDEX_KEY = keyring.KeyRef(category="vault.blind_index", name="network")


@dataclass(frozen=True, slots=True)
class ThrottleDecision:
    """Whether a sign-in may be attempted now; if not, for how long to wait and why."""

    allowed: bool
    retry_after: int = 0  # whole seconds, for a Retry-After header or a message
    reason: str = ""  # "", "address" or "network": which limit was reached


ALLOWED = ThrottleDecision(allowed=True)


def network_index(ip: str) -> str:
    """The keyed fingerprint of a client's network address (an IPv6 address's /64)."""
    key = keyring.get_or_create(NETWORK_INDEX_KEY)
    return crypto.mac(key, _network(ip).encode("utf-8"))


def sign_in_allowed(*, email: str, ip: str, now: dt.datetime | None = None) -> ThrottleDecision:
    """Refuse while the address or the network has reached its limit within the window."""
    now = now or timezone.now()
    recent = SignInAttempt.objects.filter(at__gt=now - WINDOW, at__lte=now)
    for reason, lookup, limit in (
        ("address", {"address_index": email_index(email)}, ADDRESS_LIMIT),
        ("network", {"network_index": network_index(ip)}, NETWORK_LIMIT),
    ):
        # The newest ``limit`` failures: once the oldest of them leaves the window, the count
        # drops below the limit again.
        times = list(recent.filter(**lookup).order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) == limit:
            wait = (times[-1] + WINDOW - now).total_seconds()
            return ThrottleDecision(
                allowed=False, retry_after=max(1, math.ceil(wait)), reason=reason
            )
    return ALLOWED


@transaction.atomic
def sign_in_failed(*, email: str, ip: str, now: dt.datetime | None = None) -> SignInAttempt:
    return SignInAttempt.objects.create(
        address_index=email_index(email), network_index=network_index(ip), at=now or timezone.now()
    )


@transaction.atomic
def sign_in_succeeded(*, email: str, ip: str) -> int:
    """Forget the address's failures: the person has shown they know the password.

    Failures from every network are cleared, since the account's owner may have mistyped at home
    and succeeded at work. ``ip`` is taken so the view's calls are symmetrical, and so a later
    rule may use it. Returns how many records were removed.
    """
    deleted, _ = SignInAttempt.objects.filter(address_index=email_index(email)).delete()
    return deleted


@transaction.atomic
def sign_in_attempts_purge(*, now: dt.datetime) -> int:
    """Delete the records the policy no longer allows us to keep; returns how many.

    The retention rule is the policy's for whichever category the datamap files these records
    under, counted from ``at`` in the controller's time zone, exactly as the retention sweep
    counts. Deadlines never decrease as ``at`` increases, so the expired records are a prefix in
    time: walking from the oldest, the first one not yet due ends the search. The sweep that
    calls this records the deletion in the audit trail.
    """
    declaration = declaration_for(SignInAttempt)
    if not isinstance(declaration, Holder):
        raise LookupError("SignInAttempt is not declared to the datamap as a holder")
    category = settings.POLICY.category(declaration.category_in(settings.POLICY))
    if category is None:
        raise LookupError("the policy has no category for sign-in attempts")
    zone = ZoneInfo(settings.POLICY.time_zone)
    last_due: dt.datetime | None = None
    oldest_first = SignInAttempt.objects.order_by("at").values_list("at", flat=True)
    for at in oldest_first.iterator(chunk_size=2000):
        if not deadline(at, category.retention, zone).is_due(now):
            break
        last_due = at
    if last_due is None:
        return 0
    deleted, _ = SignInAttempt.objects.filter(at__lte=last_due).delete()
    return deleted


def _network(ip: str) -> str:
    """What counts as one network: an IPv4 address, or an IPv6 address's /64."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        # Not an address (a misconfigured proxy header): still one bucket per distinct value.
        return ip.strip()
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
