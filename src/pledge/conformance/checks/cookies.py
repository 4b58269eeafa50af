"""JC11, AL5 (and JC3 for Secure): the cookies set are exactly the cookies declared.

Read from two places that must agree: every Set-Cookie header of the visit (what the site told
the browser) and the browser's cookie jar at the end (what it kept). Only cookies for visitors
are compared: the operator admin is no part of the public visit, so its cookie is never set
there, and one that appears is as undeclared to visitors as any other.
"""

from __future__ import annotations

import datetime as dt

from pledge.conformance.checks.base import SiteCheck, SiteContext, plural, site_check
from pledge.conformance.checks.transport import seconds
from pledge.conformance.record import SetCookie, Visit
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy
from pledge.policy.schema import BROWSER_SESSION, Cookie


def _set(visit: Visit) -> list[SetCookie]:
    """Every cookie the visit was told to keep (forgetting one is always allowed)."""
    return [c for e in visit.exchanges for c in e.set_cookies if not c.deletes]


def _declared(policy: Policy) -> dict[str, Cookie]:
    return {c.name: c for c in policy.visitor_cookies()}


def _statement(policy: Policy) -> str:
    return policy.cookie_statement


@site_check
class DeclaredCookies(SiteCheck):
    id = "cookies.declared"
    title = "The cookies set are the cookies the policy declares"
    clauses = ("JC11", "AL5")

    def promise(self, policy: Policy) -> str:
        return _statement(policy)

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        declared = _declared(context.policy)
        set_cookies = _set(visit)
        seen = {c.name for c in set_cookies} | {c.name for c in visit.jar}
        evidence = [
            Evidence(f"undeclared cookie set: Set-Cookie: {c.shown()}", c.url)
            for c in set_cookies
            if c.name not in declared
        ]
        evidence += [
            Evidence(f"undeclared cookie in the browser: {c.name} (domain {c.domain})", c.domain)
            for c in visit.jar
            if c.name not in declared and c.name not in {s.name for s in set_cookies}
        ]
        missing = [name for name in declared if name not in seen]
        evidence += [
            Evidence(f"declared cookie {name!r} was never set during the visit", visit.url)
            for name in missing
        ]
        names = ", ".join(sorted(declared)) or "none"
        if evidence:
            return Verdict.broken(
                f"cookies set ({', '.join(sorted(seen)) or 'none'}) differ from the cookies "
                f"declared for visitors ({names})",
                evidence,
            )
        if not declared:
            pages = len(visit.pages)
            return Verdict.kept(
                f"no cookie was set on any of the {plural(pages, 'page')} visited, as declared",
                [Evidence(f"0 Set-Cookie headers in {len(visit.exchanges)} responses")],
            )
        return Verdict.kept(
            f"the cookies set are exactly those declared ({names})",
            [Evidence(f"Set-Cookie: {c.shown()}", c.url) for c in set_cookies[:3]],
        )


class DeclaredCookieCheck(SiteCheck):
    """A check of each declared cookie's headers; needs the policy to declare a cookie."""

    def promise(self, policy: Policy) -> str:
        return _statement(policy)

    def not_applicable(self, context: SiteContext) -> str | None:
        if not _declared(context.policy):
            return (
                "the policy declares no cookie for visitors (cookies.declared checks none is set)"
            )
        return None

    def headers(self, context: SiteContext) -> list[tuple[SetCookie, Cookie]]:
        declared = _declared(context.policy)
        return [(c, declared[c.name]) for c in _set(self.visit_of(context)) if c.name in declared]


@site_check
class CookieLifetimes(DeclaredCookieCheck):
    id = "cookies.lifetime"
    title = "Each cookie lives only as long as declared"
    clauses = ("JC11",)

    def verdict(self, context: SiteContext) -> Verdict:
        wrong, right = [], []
        for header, cookie in self.headers(context):
            problem = _lifetime_problem(header, cookie)
            item = Evidence(f"Set-Cookie: {header.shown()}", header.url)
            (wrong if problem else right).append(
                Evidence(f"{problem}: {item.text}", item.where) if problem else item
            )
        visit = self.visit_of(context)
        for jar in visit.jar:
            cookie = _declared(context.policy).get(jar.name)
            if cookie is not None and cookie.lifetime == BROWSER_SESSION and jar.expires != -1:
                until = dt.datetime.fromtimestamp(jar.expires, dt.UTC)
                wrong.append(
                    Evidence(f"the browser keeps {jar.name!r} until {until:%Y-%m-%d %H:%M} UTC")
                )
        if wrong:
            return Verdict.broken("a cookie outlives its declared lifetime", wrong)
        if not right:
            return Verdict.error("no declared cookie was set, so no lifetime could be checked")
        return Verdict.kept(
            f"{plural(len(right), 'Set-Cookie header')} of declared cookies, each with the "
            "declared lifetime (browser-session: no Expires, no Max-Age)",
            right[:3],
        )


def _lifetime_problem(header: SetCookie, cookie: Cookie) -> str | None:
    if cookie.lifetime == BROWSER_SESSION:
        if header.persistent:
            return f"{cookie.name!r} is declared browser-session but was set with an expiry"
        return None
    assert not isinstance(cookie.lifetime, str)
    limit = seconds(cookie.lifetime)
    max_age = header.attributes.get("max-age")
    if max_age is None and "expires" in header.attributes:
        return None if limit else f"{cookie.name!r} was set with an Expires date"
    if max_age is not None and max_age.isdigit() and int(max_age) > limit:
        return f"{cookie.name!r} lives {max_age} s, more than the declared {limit} s"
    return None


@site_check
class CookieAttributes(DeclaredCookieCheck):
    id = "cookies.attributes"
    title = "Each cookie is Secure, HttpOnly and SameSite as declared"
    clauses = ("JC3", "JC11")

    def verdict(self, context: SiteContext) -> Verdict:
        wrong, right = [], []
        for header, cookie in self.headers(context):
            problems = _attribute_problems(header, cookie)
            item = Evidence(f"Set-Cookie: {header.shown()}", header.url)
            if problems:
                wrong.append(Evidence(f"{'; '.join(problems)}: {item.text}", item.where))
            else:
                right.append(item)
        if wrong:
            return Verdict.broken("a cookie is set without the declared protections", wrong)
        if not right:
            return Verdict.error("no declared cookie was set, so no attribute could be checked")
        return Verdict.kept(
            f"{plural(len(right), 'Set-Cookie header')} of declared cookies, each with the "
            "declared Secure, HttpOnly and SameSite",
            right[:3],
        )


def _attribute_problems(header: SetCookie, cookie: Cookie) -> list[str]:
    problems = []
    if cookie.secure and "secure" not in header.attributes:
        problems.append(f"{cookie.name!r} is not Secure")
    if cookie.http_only and "httponly" not in header.attributes:
        problems.append(f"{cookie.name!r} is not HttpOnly")
    same_site = header.attributes.get("samesite", "")
    if same_site.lower() != cookie.same_site.lower():
        problems.append(
            f"{cookie.name!r} is SameSite={same_site or '(none)'}, not {cookie.same_site}"
        )
    return problems
