"""JC7: browsing is counted only in aggregate, and no network address is stored.

The visit knows the address it came from (as the server sees it); after the visit, that
address must be nowhere in the stores: not in a column, not in a decrypted field, not in a
session. Where the policy keeps web server logs (alps, AL6), addresses are kept by design and
this promise is not made. Mail keeps the addresses of the relays it passed through in its
headers, which are the correspondence's own content, so the correspondence archive is left out.
"""

from __future__ import annotations

import re

from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.checks.stored_cards import CORRESPONDENCE
from pledge.conformance.results import Evidence, Verdict
from pledge.conformance.scan import partitions as parts
from pledge.conformance.scan.database import DatabaseScan
from pledge.policy import Policy


def _pattern(address: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9A-Za-z.:]){re.escape(address)}(?![0-9A-Za-z.:])", re.IGNORECASE)


@store_check
class NoVisitorAddress(StoreCheck):
    id = "stores.visitor_address"
    title = "No network address of a visitor is stored"
    clauses = ("JC7",)

    def promise(self, policy: Policy) -> str:
        return policy.analytics.statement

    def not_applicable(self, context: StoreContext) -> str | None:
        if context.policy.web_logs.keep:
            return "the policy keeps web server logs, with addresses, by design"
        if not context.visitor_addresses:
            return "the visit's own address is not known (the site was not visited)"
        return None

    def verdict(self, context: StoreContext) -> Verdict:
        patterns = {a: _pattern(a) for a in context.visitor_addresses}
        database = DatabaseScan()
        found, looked = [], 0
        for value in database.values():
            if value.group == CORRESPONDENCE:
                continue
            looked += 1
            for address, pattern in patterns.items():
                if pattern.search(value.text):
                    found.append(Evidence(f"holds the visit's address {address}", value.where))
        for partition in parts.partitions(context.data_dir):
            try:
                for text in parts.texts(partition):
                    looked += 1
                    for address, pattern in patterns.items():
                        if pattern.search(text):
                            found.append(
                                Evidence(f"holds the visit's address {address}", partition.shown)
                            )
            except parts.Unreadable as exc:
                if not isinstance(exc, parts.KeyDestroyed):
                    database.gaps.append(str(exc))
        shown = ", ".join(context.visitor_addresses)
        if found:
            return Verdict.broken(
                f"the address the visit came from ({shown}) is stored in "
                f"{plural(len(found), 'place')}",
                found,
                database.gaps,
            )
        return Verdict.kept(
            f"the address the visit came from ({shown}) is in none of {looked} stored values "
            f"({database.decrypted} decrypted in memory, sessions decoded, raw log partitions "
            "read)",
            [Evidence("the correspondence archive is left out: mail headers name relays")],
            database.gaps,
        )
