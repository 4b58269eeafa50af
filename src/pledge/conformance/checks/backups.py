"""AL13: no key in any data backup. Deleting a key deletes every copy only if no copy of the
data carries its key: the backups under ``DATA_DIR/backups`` are opened and read through, and
the rest of the data directory (what any file-level backup would copy) is read too.
"""

from __future__ import annotations

from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.results import Evidence, Verdict
from pledge.conformance.scan.files import BACKUPS, KeyScan
from pledge.conformance.scan.keys import KeyMaterial
from pledge.policy import Policy


@store_check
class BackupsHoldNoKey(StoreCheck):
    id = "stores.backups"
    title = "No key in the data directory or any data backup"
    clauses = ("AL13",)

    def promise(self, policy: Policy) -> str:
        return (
            "keys live apart from the data (PLEDGE_KEY_DIR and the key database), so no copy or "
            "backup of the data holds a key, and destroying a key reaches every copy"
        )

    def verdict(self, context: StoreContext) -> Verdict:
        material = KeyMaterial.of_this_server()
        scan = KeyScan(context.data_dir, material)
        scan.run()
        evidence = [Evidence(f"holds {what}", where) for where, what in scan.findings]
        backups = context.data_dir / BACKUPS
        read = (
            f"{plural(scan.files, 'file')} under {context.data_dir}, "
            f"{plural(scan.archives, 'backup archive')} opened ({plural(scan.members, 'member')})"
        )
        notes = list(material.notes)
        if not backups.is_dir():
            evidence.append(Evidence(f"no backup has been made yet ({backups} does not exist)"))
        if scan.findings:
            places = len({where for where, _ in scan.findings})
            return Verdict.broken(
                f"key material found in {plural(places, 'place')} (read {read})",
                evidence,
                scan.gaps + notes,
            )
        looked = Evidence(
            f"looked for {plural(len(material.needles), 'key')} (each raw, hex and base64), "
            "PEM private keys and copies of the key database"
        )
        return Verdict.kept(f"no key in {read}", [looked, *evidence], scan.gaps + notes)
