"""The arithmetic of the hash chain, shared by the writer and the verifier.

Both sides must serialise an event byte for byte alike, or every event would look altered; so
there is exactly one serialisation, here. The sequence number is deliberately not hashed: an
event's place is fixed by the chain itself (each event holds its predecessor's hash), and the
verifier checks separately that sequence numbers count 1, 2, 3… along that chain. Keeping the
two apart is what lets verification tell a renumbering (a reordering) from a changed event.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
"""The prev_hash of the first event: there is nothing before it."""

# A version tag in front of every serialisation, so a future format can never be confused with
# this one.
_FORMAT = b"pledge.audit.v1\n"


def event_digest(
    *,
    occurred_at: datetime,
    action: str,
    category: str,
    count: int,
    rule: str,
    subject: uuid.UUID | None,
    actor: str,
    detail: Any,
    prev_hash: str,
) -> str:
    """Hex SHA-256 over the canonical form of one event and the hash of the event before it."""
    canonical = {
        "action": action,
        "actor": actor,
        "category": category,
        "count": count,
        "detail": detail,
        # Microseconds always written out, in UTC: what the database gives back, whatever
        # time zone or precision the writer happened to hold.
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev_hash": prev_hash,
        "rule": rule,
        "subject": None if subject is None else str(subject),
    }
    text = json.dumps(
        canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return hashlib.sha256(_FORMAT + text.encode("ascii")).hexdigest()
