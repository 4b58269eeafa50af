"""AL4: the site is fully usable with no script. Where the policy says the site works without
scripts, no page carries a script and the visit fetched none, so nothing needs turning on.
"""

from __future__ import annotations

from pledge.conformance.checks.base import SiteCheck, SiteContext, plural, site_check
from pledge.conformance.record import same_origin
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy


def _statement(policy: Policy) -> str | None:
    return next((s for s in policy.security.statements if "script" in s.lower()), None)


@site_check
class NoScript(SiteCheck):
    id = "pages.no_script"
    title = "The site works without scripts: no page needs one"
    clauses = ("AL4",)

    def promise(self, policy: Policy) -> str:
        return _statement(policy) or "no promise about scripts"

    def not_applicable(self, context: SiteContext) -> str | None:
        if _statement(context.policy) is None:
            return "the policy makes no promise about scripts"
        return None

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        pages = [p for p in visit.pages if same_origin(p.url, visit.url)]
        evidence = [
            Evidence(f"{plural(p.scripts, 'script element')} in the page", p.url)
            for p in pages
            if p.scripts
        ]
        evidence += [
            Evidence(f"script fetched: {e.url}", e.page)
            for e in visit.exchanges
            if e.resource_type == "script"
        ]
        if evidence:
            return Verdict.broken("pages carry or fetch scripts", evidence)
        return Verdict.kept(
            f"none of the {plural(len(pages), 'page')} carries or fetches a script",
            [Evidence("counted: <script> elements, and every request of type script")],
        )
