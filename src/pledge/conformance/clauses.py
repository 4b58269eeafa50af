"""The clause table (``docs/clauses.md``) seen through the checks: each clause of the active
policy kept, broken or not checked here, with the checks that decided it.

The seed policies number their clauses by prefix (japan-centre ``JC``, alps ``AL``); a policy
with no clause table still gets every check, only without clause ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from pledge.conformance.results import Result, Status

PREFIXES = {"japan-centre": "JC", "alps": "AL"}
_ROW = re.compile(r"^\|\s*([A-Z]{2}\d+)\s*\|\s*(.*?)\s*\|\s*(.*?)\s*\|\s*$")
# Worst first: one broken check breaks the clause, an error leaves it unproven.
_ORDER = (Status.BROKEN, Status.ERROR, Status.KEPT, Status.NOT_APPLICABLE)


def clauses_file() -> Path:
    return Path(getattr(settings, "REPO_DIR", Path.cwd())) / "docs" / "clauses.md"


def clause_table(path: Path | None = None) -> dict[str, tuple[str, str]]:
    """Clause id -> (what the policy promises, how pledge keeps it), in the table's order."""
    path = path or clauses_file()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    return {m[1]: (m[2], m[3]) for line in lines if (m := _ROW.match(line))}


@dataclass(frozen=True, slots=True)
class ClauseVerdict:
    id: str
    promise: str
    status: Status | None  # None: no check of this run proves or disproves it
    checks: tuple[str, ...]

    @property
    def words(self) -> str:
        return "not checked by conform" if self.status is None else self.status.value

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "promise": self.promise,
            "status": self.words,
            "checks": list(self.checks),
        }


def clauses_of(policy_id: str, table: dict[str, tuple[str, str]]) -> list[str]:
    prefix = PREFIXES.get(policy_id)
    return [cid for cid in table if prefix and cid.startswith(prefix)]


def clause_verdicts(policy_id: str, results: list[Result]) -> list[ClauseVerdict]:
    table = clause_table()
    verdicts = []
    for cid in clauses_of(policy_id, table):
        mine = [r for r in results if cid in r.clauses]
        status = next((s for s in _ORDER if any(r.status is s for r in mine)), None)
        verdicts.append(ClauseVerdict(cid, table[cid][0], status, tuple(r.check for r in mine)))
    return verdicts
