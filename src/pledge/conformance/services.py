"""``conformance_run``: visit the site, scan the stores, hold both to the policy, report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from pledge.conformance.browser import BrowserMissing
from pledge.conformance.checks import SITE_CHECKS, STORE_CHECKS, SiteContext, StoreContext
from pledge.conformance.clauses import clause_table, clause_verdicts, clauses_of
from pledge.conformance.report import PolicyInfo, Report
from pledge.conformance.results import Result
from pledge.conformance.visit import VisitPlan, visit_site
from pledge.policy import Policy


@dataclass(frozen=True)
class RunOptions:
    url: str
    policy: Policy
    policy_path: Path
    stores: bool = False
    http_port: int | None = None
    trusted: tuple[Path, ...] = ()
    max_pages: int = 200
    journey: bool = True
    strict: bool = False


def _policy_info(policy: Policy, path: Path) -> PolicyInfo:
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    return PolicyInfo(policy.id, policy.title, str(path), digest, policy.effective.isoformat())


def _own_clauses(policy: Policy, results: list[Result]) -> list[Result]:
    """Each result names only clauses of the policy checked (a check may prove clauses of
    several seed policies; under one policy the others' ids mean nothing)."""
    own = set(clauses_of(policy.id, clause_table()))
    return [replace(r, clauses=tuple(c for c in r.clauses if c in own)) for r in results]


def conformance_run(options: RunOptions) -> Report:
    started = timezone.now()
    policy = options.policy
    journey = options.journey and policy.accounts.registration
    skipped = "" if options.journey else "--no-journey was given"
    trusted = [Path(settings.KEY_DIR) / "tls" / "localhost.crt", *options.trusted]
    plan = VisitPlan(options.url, trusted, options.http_port, options.max_pages, journey)
    notes: list[str] = []
    try:
        visit, missing = visit_site(plan), ""
    except BrowserMissing as exc:
        visit, missing = None, str(exc)
        notes.append(f"the site could not be visited: {missing}")
    site = SiteContext(policy, visit, missing, skipped)
    results: list[Result] = [r for check in SITE_CHECKS for r in check().results(site)]
    if options.stores:
        stores = StoreContext(
            policy,
            timezone.now(),
            Path(settings.DATA_DIR),
            Path(settings.KEY_DIR),
            tuple(visit.client_addresses) if visit else (),
        )
        results += [r for check in STORE_CHECKS for r in check().results(stores)]
    else:
        notes.append("the stores were not scanned (run on the server with --stores)")
    results = _own_clauses(policy, results)
    return Report(
        url=options.url,
        policy=_policy_info(policy, options.policy_path),
        started_at=started,
        finished_at=timezone.now(),
        stores=options.stores,
        results=results,
        clauses=clause_verdicts(policy.id, results),
        visit=visit,
        strict=options.strict,
        notes=notes,
    )
