"""AL6, AL12: raw log lines are kept only encrypted, so destroying a period's key erases every
copy of them. A partition file readable without any key is a copy that shredding misses.
"""

from __future__ import annotations

from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.results import Evidence, Verdict
from pledge.conformance.scan import partitions as parts
from pledge.policy import Policy


@store_check
class PartitionsEncrypted(StoreCheck):
    id = "stores.partitions_encrypted"
    title = "Raw log partitions are readable only with their key"
    clauses = ("AL6", "AL12")

    def promise(self, policy: Policy) -> str:
        return (
            "raw log lines are kept in encrypted partitions, one key per period, destroyed when "
            "the period expires"
        )

    def not_applicable(self, context: StoreContext) -> str | None:
        if not parts.partitions(context.data_dir):
            return f"there are no raw log partitions under {context.data_dir / parts.PARTITIONS}"
        return None

    def verdict(self, context: StoreContext) -> Verdict:
        clear, sealed, gaps = [], [], []
        for partition in parts.partitions(context.data_dir):
            if partition.path.suffix not in (".gz", ".parquet", *parts.TEXT_SUFFIXES):
                gaps.append(f"{partition.shown}: not a format this check reads")
            elif parts.in_clear(partition):
                clear.append(Evidence("readable by anyone, without a key", partition.shown))
            else:
                key = "its period's key" if parts.period_key(partition) else "no key (destroyed)"
                sealed.append(Evidence(f"encrypted: opens only with {key}", partition.shown))
        if clear:
            return Verdict.broken(
                f"{plural(len(clear), 'partition file')} readable without any key",
                clear + sealed[:3],
                gaps,
            )
        if not sealed:
            return Verdict.error("no partition file could be recognised as encrypted or not")
        return Verdict.kept(
            f"all {plural(len(sealed), 'partition file')} are encrypted", sealed, gaps
        )
