"""JC3, AL4: personal data only over an encrypted connection.

HTTPS on every request the visit made, plain HTTP answered only with a redirect to the same
page over HTTPS, HSTS on every page, and every form posting to HTTPS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pledge.conformance.checks.base import SiteCheck, SiteContext, plural, site_check
from pledge.conformance.record import origin_of, path_of, same_origin
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy
from pledge.policy.calendar import Duration

TRANSPORT_CLAUSES = ("JC3", "AL4")
REDIRECTS = {301, 302, 303, 307, 308}


def seconds(duration: Duration) -> int:
    """Nominal seconds, as the settings turn the policy's durations into header values."""
    days = duration.years * 365 + duration.months * 30 + duration.days
    return days * 86400 + duration.hours * 3600 + duration.seconds


def transport_promise(policy: Policy) -> str:
    t = policy.transport
    mode = "every page over HTTPS" if t.https == "required" else "HTTPS served and encouraged"
    redirect = "plain HTTP only redirects to HTTPS" if t.http_redirect else "no redirect promised"
    return f"transport: {mode}; {redirect}; HSTS for {t.hsts.words()}"


@site_check
class HttpsEverywhere(SiteCheck):
    id = "transport.https"
    title = "Every request is made over HTTPS"
    clauses = TRANSPORT_CLAUSES

    def promise(self, policy: Policy) -> str:
        return transport_promise(policy)

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        plain = [e for e in visit.exchanges if urlsplit(e.url).scheme in ("http", "ws")]
        evidence = [
            Evidence(f"{e.method} {e.url} ({e.resource_type}) over plain HTTP", e.page or e.url)
            for e in plain
        ]
        if urlsplit(visit.url).scheme != "https":
            evidence.insert(0, Evidence(f"the site was given as {visit.url}", visit.url))
        if evidence:
            return Verdict.broken(f"{plural(len(plain), 'request')} went over plain HTTP", evidence)
        return Verdict.kept(
            f"all {len(visit.exchanges)} requests of the visit used HTTPS",
            [Evidence(f"{plural(len(visit.pages), 'page')} loaded from {visit.base}")],
        )


@site_check
class HttpRedirects(SiteCheck):
    id = "transport.http_redirect"
    title = "Plain HTTP only redirects to the same page over HTTPS"
    clauses = TRANSPORT_CLAUSES

    def promise(self, policy: Policy) -> str:
        return transport_promise(policy)

    def not_applicable(self, context: SiteContext) -> str | None:
        if not context.policy.transport.http_redirect:
            return "the policy does not promise a redirect from plain HTTP"
        if self.visit_of(context).http_base is None:
            return (
                "the plain-HTTP address of the site is not known (give --http-port): the "
                "redirect was not checked"
            )
        return None

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        wrong, right = [], []
        for probe in visit.probes:
            path = path_of(probe.url)
            expected = visit.base + path
            target = probe.location or ""
            if probe.error:
                wrong.append(Evidence(f"no answer: {probe.error}", probe.url))
            elif probe.status not in REDIRECTS:
                wrong.append(Evidence(f"answered {probe.status} instead of a redirect", probe.url))
            elif origin_of(target) != origin_of(expected) or path_of(target) != path:
                wrong.append(Evidence(f"redirects to {target}, not to {expected}", probe.url))
            elif probe.set_cookies:
                names = ", ".join(c.split("=", 1)[0] for c in probe.set_cookies)
                wrong.append(Evidence(f"sets a cookie over plain HTTP: {names}", probe.url))
            else:
                right.append(Evidence(f"{probe.status} → {target}", probe.url))
        if not visit.probes:
            return Verdict.error("no page was probed over plain HTTP")
        if wrong:
            return Verdict.broken(
                f"{plural(len(wrong), 'plain-HTTP address', 'plain-HTTP addresses')} of "
                f"{len(visit.probes)} did not redirect to HTTPS as promised",
                wrong + right[:3],
            )
        return Verdict.kept(
            f"all {len(visit.probes)} pages asked for over plain HTTP redirect to themselves "
            "over HTTPS, setting no cookie",
            right,
        )


@site_check
class Hsts(SiteCheck):
    id = "transport.hsts"
    title = "Every page tells the browser to use HTTPS only (HSTS)"
    clauses = TRANSPORT_CLAUSES

    def promise(self, policy: Policy) -> str:
        return transport_promise(policy)

    def not_applicable(self, context: SiteContext) -> str | None:
        if seconds(context.policy.transport.hsts) <= 0:
            return "the policy sets no HSTS period"
        return None

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        wanted = seconds(context.policy.transport.hsts)
        pages = [
            e
            for e in visit.exchanges
            if e.navigation and e.status is not None and same_origin(e.url, visit.url)
        ]
        wrong = []
        for e in pages:
            header = e.headers.get("strict-transport-security")
            age = _max_age(header)
            if header is None:
                wrong.append(Evidence(f"no Strict-Transport-Security header ({e.status})", e.url))
            elif age is None or age < wanted:
                wrong.append(Evidence(f"Strict-Transport-Security: {header} (< {wanted})", e.url))
        if not pages:
            return Verdict.error("no page of the site answered the visit")
        if wrong:
            return Verdict.broken(
                f"{plural(len(wrong), 'page response')} of {len(pages)} without HSTS of "
                f"{wanted} seconds",
                wrong,
            )
        sample = pages[0].headers["strict-transport-security"]
        return Verdict.kept(
            f"all {len(pages)} page responses carry HSTS of at least {wanted} seconds",
            [Evidence(f"Strict-Transport-Security: {sample}", pages[0].url)],
        )


def _max_age(header: str | None) -> int | None:
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "max-age":
            try:
                return int(value.strip().strip('"'))
            except ValueError:
                return None
    return None


@site_check
class FormsOverHttps(SiteCheck):
    id = "forms.https"
    title = "Every form posts to HTTPS"
    clauses = ("JC3",)

    def promise(self, policy: Policy) -> str:
        return transport_promise(policy)

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        forms = visit.all_forms()
        wrong = []
        for form in forms:
            for action in (form.action, *form.other_actions):
                if urlsplit(action).scheme != "https":
                    wrong.append(
                        Evidence(f"a {form.method.upper()} form posts to {action}", form.page)
                    )
        if wrong:
            return Verdict.broken(
                f"{plural(len(wrong), 'form')} would send what is typed over plain HTTP", wrong
            )
        pages = len({f.page for f in forms})
        if not forms:
            return Verdict.kept(
                f"no page of the {len(visit.pages)} visited has a form",
                [Evidence("nothing can be entered on the site", visit.url)],
            )
        return Verdict.kept(
            f"all {plural(len(forms), 'form')} on {plural(pages, 'page')} post to HTTPS",
            [Evidence(f"{f.method.upper()} → {f.action}", f.page) for f in forms[:8]],
        )
