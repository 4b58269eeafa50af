"""JC9: product information goes only to customers who consented, on the site, themselves.

The marketing audience is whoever's newest decision for the marketing purpose is consent. That
decision is only the customer's if it was made on one of the site's own forms (registration, the
account page, a rights request: ``accounts.services.CONSENT_FORMS``) and recorded through the
consent service, which writes an audit event for each decision. A consent written any other way
(a mailing list imported, a row edited) puts someone on the list who never asked to be there.
"""

from __future__ import annotations

from pledge.accounts.models import ConsentRecord
from pledge.accounts.selectors import marketing_audience
from pledge.accounts.services import CONSENT_FORMS
from pledge.audit.models import AuditEvent
from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy
from pledge.vault.models import Subject


@store_check
class AudienceConsented(StoreCheck):
    id = "stores.marketing_audience"
    title = "The marketing list holds only customers who consented on the site"
    clauses = ("JC9",)

    def promise(self, policy: Policy) -> str:
        marketing = next((p for p in policy.purposes if p.marketing), None)
        return marketing.description if marketing else "no marketing"

    def not_applicable(self, context: StoreContext) -> str | None:
        if not context.policy.has_marketing:
            return "the policy declares no marketing purpose (see stores.marketing)"
        return None

    def verdict(self, context: StoreContext) -> Verdict:
        purpose = next(p.id for p in context.policy.purposes if p.marketing)
        audience = list(marketing_audience(purpose=purpose))
        found = [e for profile in audience for e in _unproven(profile.subject, purpose)]
        if found:
            return Verdict.broken(
                f"{plural(len(found), 'customer')} of {len(audience)} on the marketing list did "
                "not consent on the site",
                found,
            )
        return Verdict.kept(
            f"each of the {plural(len(audience), 'customer')} on the marketing list consented "
            f"on the site ({', '.join(CONSENT_FORMS)}), each decision with its audit event"
        )


def _unproven(subject: Subject, purpose: str) -> list[Evidence]:
    """Why the subject's consent in force is not theirs, if it is not."""
    consent = ConsentRecord.objects.filter(subject=subject, purpose=purpose).order_by("-at")[0]
    where = f"accounts.ConsentRecord {consent.pk} (subject {str(subject.pk)[:8]})"
    if consent.form not in CONSENT_FORMS:
        return [Evidence(f"consent recorded on '{consent.form}', not a form of the site", where)]
    audited = AuditEvent.objects.filter(
        action="consent.given",
        subject=subject.pk,
        detail__purpose=purpose,
        occurred_at__gte=consent.at,
    ).exists()
    if not audited:
        return [Evidence("consent with no audit event: not recorded by the consent service", where)]
    return []
