"""JC5: no card number anywhere the server keeps text: the databases (every model, decrypted
in memory), the correspondence archive, and the raw logs.
"""

from __future__ import annotations

from collections import Counter

from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.results import Evidence, Verdict
from pledge.conformance.scan import partitions as parts
from pledge.conformance.scan.cards import CardFound, cards_in
from pledge.conformance.scan.database import DatabaseScan
from pledge.policy import Policy

CORRESPONDENCE = "correspondence"
RAW_LOGS = "raw logs"


@store_check
class NoCardStored(StoreCheck):
    id = "stores.cards"
    title = "No card number is stored anywhere"
    clauses = ("JC5",)

    def promise(self, policy: Policy) -> str:
        return policy.cards.statement

    def verdict(self, context: StoreContext) -> Verdict:
        found: list[CardFound] = []
        scanned: Counter[str] = Counter()
        database = DatabaseScan()
        for value in database.values():
            group = CORRESPONDENCE if value.group == CORRESPONDENCE else "databases"
            scanned[group] += 1
            found += cards_in(value.text, where=value.where, group=group)
        gaps = list(database.gaps)
        found += self._raw_logs(context, scanned, gaps)
        evidence = [Evidence(f"{c.group}: {c.words()}", c.where) for c in found]
        counts = (
            f"{scanned['databases']} values in {database.tables} tables "
            f"({database.decrypted} decrypted in memory, {database.erased} already erased), "
            f"{scanned[CORRESPONDENCE]} in the correspondence archive, "
            f"{scanned[RAW_LOGS]} in raw logs (decrypted in memory)"
            + (
                f", {scanned['partitions erased']} partition files with their key destroyed"
                if scanned["partitions erased"]
                else ""
            )
        )
        if found:
            return Verdict.broken(
                f"{plural(len(found), 'card number')} stored (scanned {counts})", evidence, gaps
            )
        return Verdict.kept(
            f"no card number in {counts}",
            [
                Evidence(
                    "card numbers: issuer prefix, length and Luhn digit, as the site refuses them"
                )
            ],
            gaps,
        )

    @staticmethod
    def _raw_logs(context: StoreContext, scanned: Counter[str], gaps: list[str]) -> list[CardFound]:
        found: list[CardFound] = []
        readable = set()
        for category, source in parts.text_sources():
            readable.add(category)
            for where, text in parts.store_texts(source):
                scanned[RAW_LOGS] += 1
                found += cards_in(text, where=f"store {source.name}: {where}", group=RAW_LOGS)
        unread = 0
        for partition in parts.partitions(context.data_dir):
            try:
                for text in parts.texts(partition):
                    scanned[RAW_LOGS] += 1
                    found += cards_in(text, where=partition.shown, group=RAW_LOGS)
            except parts.KeyDestroyed:
                scanned["partitions erased"] += 1  # unreadable by anyone: nothing to find
            except parts.Unreadable as exc:
                if partition.category not in readable:
                    unread += 1
                    if unread <= 5:
                        gaps.append(f"raw logs: {partition.shown} not scanned: {exc}")
        if unread > 5:
            gaps.append(f"raw logs: {unread - 5} more partition files not scanned")
        return found
