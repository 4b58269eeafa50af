"""The statutory clock of a request, and the state a person or operator sees.

Pure functions over the policy and a few dates, so the arithmetic is the calendar's (months on
the controller's local calendar: 31 January plus one month is 28 or 29 February) and every
state can be tested without a database.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from pledge.policy import Policy

State = Literal["awaiting verification", "open", "overdue", "done", "lapsed"]
STATES: tuple[State, ...] = ("awaiting verification", "open", "overdue", "done", "lapsed")


def due_at(policy: Policy, verified_at: dt.datetime) -> dt.datetime:
    """The answer is due ``rights.response_time`` (one month) after verified receipt."""
    return policy.rights.response_time.after(verified_at, ZoneInfo(policy.time_zone))


def state_of(
    *, status: str, due: dt.datetime | None, link_expires: dt.datetime | None, now: dt.datetime
) -> State:
    """What a request is now. Overdue is not stored: it is open past its due date."""
    if status == "done":
        return "done"
    if status == "lapsed" or (
        status == "unverified" and link_expires is not None and link_expires <= now
    ):
        return "lapsed"
    if status == "unverified":
        return "awaiting verification"
    if due is not None and due <= now:
        return "overdue"
    return "open"
