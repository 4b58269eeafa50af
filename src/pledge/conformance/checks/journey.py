"""The synthetic customer's journey: it can be made (JC6), the marketing box starts unticked
and an unticked box records no consent (JC10), and nothing of the customer is left after its
erasure (the run's own promise to leave no trace).
"""

from __future__ import annotations

from pledge.conformance.checks.base import SiteCheck, SiteContext, site_check
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy


class JourneyCheck(SiteCheck):
    def not_applicable(self, context: SiteContext) -> str | None:
        if not context.policy.accounts.registration:
            return "the policy offers no accounts: visitors only read the site"
        if context.journey_skipped:
            return f"the synthetic customer's journey was not made: {context.journey_skipped}"
        return None


@site_check
class JourneyCompleted(JourneyCheck):
    id = "journey.completed"
    title = "A customer can register, sign in, fill a basket and check out"
    clauses = ("JC6",)

    def promise(self, policy: Policy) -> str:
        sources = ", ".join(s for c in policy.categories for s in c.sources if "form" in s)
        return f"data comes from: {sources or 'the registration form'}"

    def verdict(self, context: SiteContext) -> Verdict:
        steps = self.visit_of(context).journey
        evidence = [Evidence(f"{s.name}: {s.detail}", s.url) for s in steps]
        failed = [s for s in steps if not s.ok]
        if not steps:
            return Verdict.error("the journey recorded no step")
        if failed:
            return Verdict.broken(f"the journey failed at '{failed[0].name}'", evidence)
        marketing = any(s.name == "opt in to marketing" for s in steps)
        return Verdict.kept(
            "the synthetic customer registered, activated its account, signed in, "
            + ("opted in to marketing and out again, " if marketing else "")
            + "filled a basket, checked out by bank transfer and signed out",
            evidence,
        )


@site_check
class MarketingOptIn(JourneyCheck):
    id = "marketing.opt_in"
    title = "Marketing only when the customer ticks the box: it starts unticked"
    clauses = ("JC10",)

    def promise(self, policy: Policy) -> str:
        marketing = [p for p in policy.purposes if p.marketing]
        return marketing[0].description if marketing else "no marketing"

    def not_applicable(self, context: SiteContext) -> str | None:
        if not context.policy.has_marketing:
            return "the policy declares no marketing purpose"
        return super().not_applicable(context)

    def verdict(self, context: SiteContext) -> Verdict:
        facts = self.visit_of(context).journey_facts
        boxes = facts.get("registration_checkboxes")
        if not isinstance(boxes, list):
            return Verdict.error("the registration form was not read")
        recorded = facts.get("marketing_consent_recorded")
        evidence = [
            Evidence(f"box {b['name']!r} ({b['label']}) starts {_state(b['checked'])}")
            for b in boxes
        ]
        evidence.append(Evidence(f"consent recorded after registering untouched: {recorded}"))
        ticked = [b for b in boxes if b["checked"]]
        if ticked:
            return Verdict.broken(
                f"{len(ticked)} box on the registration form starts ticked", evidence
            )
        if recorded:
            return Verdict.broken("consent was recorded though no box was ticked", evidence)
        if not boxes:
            return Verdict.broken(
                "the registration form has no box to agree to marketing with", evidence
            )
        return Verdict.kept(
            "every box on the registration form starts unticked, and leaving it so records no "
            "consent",
            evidence,
        )


def _state(checked: object) -> str:
    return "ticked" if checked else "unticked"


@site_check
class SyntheticErased(JourneyCheck):
    id = "conformance.cleanup"
    title = "The synthetic customer was erased and nothing of it is left"
    clauses = ()

    def promise(self, policy: Policy) -> str:
        return "a conformance run leaves no personal data behind"

    def verdict(self, context: SiteContext) -> Verdict:
        facts = self.visit_of(context).journey_facts
        outcomes = facts.get("erasure")
        if not isinstance(outcomes, list):
            return Verdict.error("the synthetic customer was not erased")
        leftovers = facts.get("leftovers") or []
        evidence = [Evidence(f"erasure: {o}") for o in outcomes]
        subject = facts.get("synthetic_subject", "")
        if leftovers:
            return Verdict.broken(
                f"after its erasure the synthetic customer (subject {subject}) still has data",
                [Evidence(f"left: {x}") for x in leftovers] + evidence,
            )
        return Verdict.kept(
            f"the synthetic customer (subject {subject}) was erased through the erasure service "
            "and nothing of it remains",
            evidence,
        )
