"""Running ``pledge conform`` against a ``pledge serve`` started by the tests, and reading the
report it writes.

The command runs as an operator runs it: a separate process with the site's own environment
(policy, data and key directories, settings module), on the same machine as the server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.site import REPO, Site, free_port

BREAKAGE_SETTINGS = "tests.conformance.breakage.settings"


def broken_site(tmp: Path, policy: str, breaks: list[str]) -> Site:
    """A site whose settings add the breakage middleware, breaking the promises named."""
    env = {
        "DJANGO_SETTINGS_MODULE": BREAKAGE_SETTINGS,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "PLEDGE_BREAK": ",".join(breaks),
    }
    return Site(tmp, policy, env)


def site_env(site: Site) -> dict[str, str]:
    """The server's environment, as ``pledge serve`` got it (``Site.start``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PLEDGE_TESTING")}
    env |= {
        "PLEDGE_DATA_DIR": str(site.data),
        "PLEDGE_KEY_DIR": str(site.keys),
        "PLEDGE_POLICY": str(site.policy),
    }
    env.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
    return env | site.env


@dataclass(frozen=True)
class Conformed:
    returncode: int
    output: str
    report: dict[str, Any]
    html: str

    def result(self, check: str) -> dict[str, Any]:
        found = [r for r in self.report["results"] if r["check"] == check]
        assert found, f"no result {check!r} in {[r['check'] for r in self.report['results']]}"
        return found[0]

    def status(self, check: str) -> str:
        return self.result(check)["status"]

    def evidence(self, check: str) -> str:
        """Every piece of evidence of a check, one per line, as text and place."""
        return "\n".join(f"{e['text']} [{e['where']}]" for e in self.result(check)["evidence"])

    def clause(self, clause: str) -> str:
        found = [c for c in self.report["clauses"] if c["id"] == clause]
        assert found, f"no clause {clause!r}"
        return found[0]["status"]

    def broken_clauses(self) -> set[str]:
        return {c["id"] for c in self.report["clauses"] if c["status"] == "broken"}


def conform(site: Site, out: Path, *args: str) -> Conformed:
    out.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out / "report.json", out / "report.html"
    command = [
        sys.executable, "-m", "pledge.cli", "conform", site.url("/"),
        "--http-port", str(site.http_port), "--json", str(json_path), "--html", str(html_path),
        *args,
    ]  # fmt: skip
    done = subprocess.run(
        command, env=site_env(site), capture_output=True, text=True, timeout=300, check=False
    )
    assert json_path.exists(), f"no report written:\n{done.stdout}\n{done.stderr}"
    return Conformed(
        done.returncode,
        done.stdout + done.stderr,
        json.loads(json_path.read_text()),
        html_path.read_text(),
    )


def django_script(site: Site, code: str) -> str:
    """Run Python with Django set up as the server's, in the server's data and key dirs."""
    prelude = "import django\ndjango.setup()\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        env=site_env(site) | {"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


__all__ = ["Conformed", "broken_site", "conform", "django_script", "free_port", "site_env"]
