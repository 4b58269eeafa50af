"""AL1, AL2: the notice served is the one rendered from the policy. JC1, JC14, AL14: the
controller's one address for enquiries is on the site, and no other.

The notice is compared byte for byte: the ``/privacy/`` page must embed exactly the fragment
``pledge.policy.notice.render(policy, "html")`` produces, so what visitors read and what the
site does come from the same file. It must also be reachable by links, or nobody reads it.
"""

from __future__ import annotations

import difflib
import hashlib
from urllib.parse import unquote, urlsplit

from pledge.conformance.checks.base import SiteCheck, SiteContext, plural, site_check
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy
from pledge.policy.notice import render

NOTICE_PATH = "/privacy/"
START = '<article class="notice">'
END = "</article>"


def served_fragment(body: str) -> str | None:
    start = body.find(START)
    if start < 0:
        return None
    end = body.find(END, start)
    return None if end < 0 else body[start : end + len(END)] + "\n"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@site_check
class NoticeServed(SiteCheck):
    id = "notice.served"
    title = "The notice at /privacy/ is the one rendered from the policy"
    clauses = ("AL1", "AL2")

    def promise(self, policy: Policy) -> str:
        return f"{policy.title}, effective {policy.effective:%-d %B %Y}, published at {NOTICE_PATH}"

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        page = visit.page_at(NOTICE_PATH)
        url = visit.base + NOTICE_PATH
        if page is None or page.step != "crawl":
            return Verdict.broken(f"no link on the site leads to the notice at {NOTICE_PATH}")
        if page.body is None or page.status != 200:
            return Verdict.broken(f"{NOTICE_PATH} answered {page.status} with no readable page")
        expected = render(context.policy, "html")
        served = served_fragment(page.body)
        if served is None:
            return Verdict.broken(
                f"{NOTICE_PATH} holds no notice (no {START} element)", [Evidence("", url)]
            )
        if served == expected:
            return Verdict.kept(
                f"{NOTICE_PATH} embeds exactly the notice rendered from the policy "
                f"(sha256 {_digest(expected)}…, {len(expected.splitlines())} lines)",
                [Evidence(f"reached by links; {page.title!r}", page.url)],
            )
        diff = list(
            difflib.unified_diff(
                expected.splitlines(), served.splitlines(), "rendered", "served", n=0, lineterm=""
            )
        )
        changed = [line for line in diff[2:] if not line.startswith("@@")]
        evidence = [Evidence(line[:300], url) for line in changed[:12]]
        return Verdict.broken(
            f"the notice served (sha256 {_digest(served)}…) differs from the one rendered from "
            f"the policy (sha256 {_digest(expected)}…) in {plural(len(changed), 'line')}",
            evidence,
        )


@site_check
class ContactPublished(SiteCheck):
    id = "contact.published"
    title = "The controller's address for enquiries is on the site, and no other"
    clauses = ("JC1", "JC14", "AL14")

    def promise(self, policy: Policy) -> str:
        return (
            f"{policy.controller.name}: enquiries to {policy.controller.email}. {policy.rights.how}"
        )

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        controller = context.policy.controller
        allowed = {a.lower() for a in (controller.email, *controller.own_addresses)}
        showing, foreign = [], []
        for page in visit.pages:
            for link in page.links:
                if not link.lower().startswith("mailto:"):
                    continue
                address = unquote(urlsplit(link).path).lower()
                if address == controller.email.lower() and page.step == "crawl":
                    showing.append(page.url)
                elif address not in allowed:
                    foreign.append(Evidence(f"a mail link to {address}", page.url))
        if foreign:
            return Verdict.broken(
                f"pages offer addresses the policy does not name ({len(foreign)} links)", foreign
            )
        if not showing:
            return Verdict.broken(
                f"no page reachable by links offers {controller.email}",
                [Evidence(f"{plural(len(visit.pages), 'page')} read")],
            )
        pages = sorted(set(showing))
        return Verdict.kept(
            f"{controller.email} is offered on {plural(len(pages), 'page')} reachable by links, "
            "and no other address is",
            [Evidence(f"mailto:{controller.email}", url) for url in pages[:5]],
        )
