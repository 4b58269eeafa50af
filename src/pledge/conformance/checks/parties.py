"""JC12, AL9: nothing goes to a third party. The browser asks no other origin for anything.

The one exception is the one the policy allows: at checkout, the browser may be sent on to a
declared processor's own payment page by a top-level redirect (the processor acts on the
business's instructions and is no third party). What that page then loads is the processor's
doing, not the site's, and is left out. A form that posts to another origin counts too: it
would hand what is typed to someone else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pledge.conformance.checks.base import SiteCheck, SiteContext, plural, site_check
from pledge.conformance.record import Exchange, Visit, origin_of, same_origin
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy
from pledge.policy.schema import RecipientKind

CHECKOUT = "/checkout/"
NETWORK = ("http", "https", "ws", "wss")


def _chain_root(exchange: Exchange, by_url: dict[str, Exchange]) -> Exchange:
    seen = set()
    while exchange.redirected_from and exchange.redirected_from not in seen:
        seen.add(exchange.redirected_from)
        previous = by_url.get(exchange.redirected_from)
        if previous is None:
            break
        exchange = previous
    return exchange


def _processor_pages(visit: Visit, policy: Policy) -> tuple[set[str], list[Exchange]]:
    """Origins reached by an allowed redirect at checkout, and the exchanges that did it."""
    processors = [r for r in policy.recipients if r.kind is RecipientKind.PROCESSOR]
    if not processors:
        return set(), []
    by_url = {e.url: e for e in visit.exchanges}
    allowed: list[Exchange] = []
    for e in visit.exchanges:
        if not e.navigation or same_origin(e.url, visit.url) or not e.redirected_from:
            continue
        root = _chain_root(e, by_url)
        if same_origin(root.url, visit.url) and urlsplit(root.url).path == CHECKOUT:
            allowed.append(e)
    return {origin_of(e.url) for e in allowed}, allowed


@site_check
class FirstPartyOnly(SiteCheck):
    id = "requests.first_party"
    title = "No request goes to another site"
    clauses = ("JC12", "AL9")

    def promise(self, policy: Policy) -> str:
        return policy.sharing.statement

    def not_applicable(self, context: SiteContext) -> str | None:
        if context.policy.sharing.third_parties != "none":
            return (
                "the policy declares third parties, and names no addresses for them to check "
                "requests against"
            )
        return None

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        processor_origins, allowed = _processor_pages(visit, context.policy)
        offending = []
        for e in visit.exchanges:
            if urlsplit(e.url).scheme not in NETWORK or same_origin(e.url, visit.url):
                continue
            if e in allowed or (e.page and origin_of(e.page) in processor_origins):
                continue
            outcome = f"answered {e.status}" if e.status is not None else f"failed: {e.failure}"
            offending.append(
                Evidence(f"{e.method} {e.url} ({e.resource_type}), {outcome}", e.page or visit.url)
            )
        for form in visit.all_forms():
            for action in (form.action, *form.other_actions):
                if urlsplit(action).scheme in NETWORK and not same_origin(action, visit.url):
                    offending.append(Evidence(f"a form posts to {action}", form.page))
        notes = [
            Evidence(f"allowed: redirect at checkout to the declared processor at {e.url}", e.page)
            for e in allowed
        ]
        if offending:
            hosts = sorted({urlsplit(e.text.split(" ")[1]).hostname or "" for e in offending})
            return Verdict.broken(
                f"{plural(len(offending), 'request')} to another site "
                f"({', '.join(h for h in hosts if h) or 'see evidence'})",
                offending + notes,
            )
        return Verdict.kept(
            f"all {len(visit.exchanges)} requests of the visit went to {visit.base} itself",
            notes or [Evidence(f"{plural(len(visit.pages), 'page')}, 0 other origins")],
        )
