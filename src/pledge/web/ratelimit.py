"""Limits on public forms that send mail, kept in memory only.

The rights request form mails whatever address it is given, so without a limit anyone could
use the site to flood a stranger's inbox, or make it send mail by the thousand. Each request is
counted under two keyed fingerprints, never an address: the blind index of the email address
and the keyed fingerprint of the client's network (an IPv6 address's /64), both HMACs under
vault keys. The counts live in this process's memory for one window and nowhere else, so they
are not personal data at rest and need no retention of their own; a restart forgets them, which
costs at most one window's allowance. (``pledge serve`` is one process, so the limit holds for
the whole site.)
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import deque
from dataclasses import dataclass

from django.utils import timezone

from pledge.accounts.throttle import network_index
from pledge.vault.blind_index import email_index


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds


class SlidingWindow:
    """At most ``limit`` events per key within any ``window``."""

    def __init__(self, *, limit: int, window: dt.timedelta) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: dt.datetime) -> deque[dt.datetime]:
        events = self._events.get(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

    def check(self, key: str, now: dt.datetime) -> Decision:
        with self._lock:
            events = self._recent(key, now)
            if len(events) < self.limit:
                return Decision(allowed=True)
            wait = (events[0] + self.window - now).total_seconds()
            return Decision(allowed=False, retry_after=max(1, math.ceil(wait)))

    def record(self, key: str, now: dt.datetime) -> None:
        with self._lock:
            self._events[key] = self._recent(key, now)
            self._events[key].append(now)
            if len(self._events) > 100_000:  # forget keys whose window has passed
                self._events = {
                    k: v for k, v in self._events.items() if v and v[-1] > now - self.window
                }


HOUR = dt.timedelta(hours=1)
# Three messages an hour to one address: a person who mistyped or did not see the first mail
# can ask again twice. Ten an hour from one network: a household or an office, not a script.
RIGHTS_PER_ADDRESS = SlidingWindow(limit=3, window=HOUR)
RIGHTS_PER_NETWORK = SlidingWindow(limit=10, window=HOUR)


def rights_request_allowed(*, email: str, ip: str, now: dt.datetime | None = None) -> Decision:
    """Whether the rights form may send one more message; if so, it is counted."""
    now = now or timezone.now()
    keys = ((RIGHTS_PER_ADDRESS, email_index(email)), (RIGHTS_PER_NETWORK, network_index(ip)))
    for limiter, key in keys:
        decision = limiter.check(key, now)
        if not decision.allowed:
            return decision
    for limiter, key in keys:
        limiter.record(key, now)
    return Decision(allowed=True)
