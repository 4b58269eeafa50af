"""Where the project's shared inputs (real logs, real notices, the seed policies) are.

They live in ``shared/`` beside the repository and are never copied into it. A clone made
elsewhere (CI clones the checkout into a directory of its own) finds them beside the checkout
it was cloned from, so the tests on real inputs run there too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``shared/`` beside this repository, or beside the local repository it was cloned from;
    the first of them if neither has one (the tests that need it then skip, naming it)."""
    here = REPO.parent / "shared"
    if here.is_dir():
        return here
    origin = subprocess.run(
        ["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    if origin and Path(origin).is_dir():
        beside_origin = Path(origin).resolve().parent / "shared"
        if beside_origin.is_dir():
            return beside_origin
    return here


SHARED = shared_dir()
