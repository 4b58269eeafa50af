"""Which recipients the policy allows, for which data, and refusals that quote the policy.

The policy's ``recipients`` list is an allow-list (AL9, JC12): a disclosure goes only to a
recipient declared there, and only of the categories declared for it. Anything else is refused
with the policy's own words, so the operator sees the promise they would be breaking.
"""

from __future__ import annotations

from collections.abc import Iterable

from pledge.policy import Policy
from pledge.policy.schema import Recipient


class DisclosureRefused(Exception):
    """The policy does not allow this disclosure; the message quotes the clause."""


def _declared(policy: Policy) -> str:
    names = [f"{r.id} ({r.name})" for r in policy.recipients]
    return ", ".join(names) if names else "none"


def recipient_for(policy: Policy, name: str) -> Recipient:
    """The declared recipient called ``name`` (its id or its name, any case)."""
    wanted = name.strip().casefold()
    for recipient in policy.recipients:
        if wanted in (recipient.id.casefold(), recipient.name.casefold()):
            return recipient
    raise DisclosureRefused(
        f"refused: the policy {policy.id!r} declares no recipient {name!r}. Its sharing clause "
        f'says: "{policy.sharing.statement}" Recipients it declares: {_declared(policy)}.'
    )


def categories_for(
    policy: Policy, recipient: Recipient, wanted: Iterable[str] | None = None
) -> list[str]:
    """The categories to disclose: ``wanted``, each of which the recipient must be allowed."""
    allowed = list(recipient.categories)
    chosen = allowed if wanted is None else list(dict.fromkeys(wanted))
    refused = [c for c in chosen if c not in allowed]
    if refused:
        raise DisclosureRefused(
            f"refused: the policy {policy.id!r} allows {recipient.name} only "
            f"{', '.join(allowed) or 'nothing'}, not {', '.join(refused)}. It says: "
            f'"{recipient.condition}"'
        )
    return chosen


def web_logs_category(policy: Policy) -> str:
    """The category raw log lines belong to, where the policy keeps them at all."""
    if not policy.web_logs.keep or not policy.web_logs.category:
        raise DisclosureRefused(
            f"refused: the policy {policy.id!r} keeps no web server logs (web_logs.keep: "
            "false), so there are no log lines to disclose. It says: "
            f'"{policy.analytics.statement}"'
        )
    return policy.web_logs.category
