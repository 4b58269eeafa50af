"""Cookies follow the policy: the site sets only the cookies the policy declares.

``OperatorSessionMiddleware`` gives the operator admin its own session cookie (declared with
audience ``operators``), so signing in as staff never touches a visitor's basket cookie.

``DeclaredCookiesMiddleware`` compares every Set-Cookie with the declaration for the audience
of the page: an undeclared cookie, or a browser-session cookie with an expiry, is an error in
tests and debug (so the mistake is found before release) and is dropped and logged, naming it,
in production (so a visitor never receives a cookie the notice does not mention).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from pledge.policy.schema import BROWSER_SESSION, Cookie, CookieAudience

log = logging.getLogger("pledge.cookies")
OPERATOR_PREFIX = "/operator/"


def _is_operator_path(request: HttpRequest) -> bool:
    return request.path.startswith(OPERATOR_PREFIX)


def _operator_cookie() -> Cookie | None:
    found = [c for c in settings.POLICY.cookies if c.audience is CookieAudience.OPERATORS]
    return found[0] if found else None


class OperatorSessionMiddleware:
    """Placed before SessionMiddleware: on admin pages the session rides the operator cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookie = _operator_cookie()
        if cookie is None or not _is_operator_path(request):
            return self.get_response(request)
        visitor = settings.SESSION_COOKIE_NAME
        cookies = {k: v for k, v in request.COOKIES.items() if k != visitor}
        if cookie.name in cookies:
            cookies[visitor] = cookies.pop(cookie.name)
        request.COOKIES = cookies
        response = self.get_response(request)
        if visitor in response.cookies:
            morsel = response.cookies.pop(visitor)
            response.set_cookie(
                cookie.name,
                morsel.value,
                max_age=morsel["max-age"] or None,
                expires=morsel["expires"] or None,
                path=morsel["path"] or "/",
                secure=cookie.secure,
                httponly=cookie.http_only,
                samesite=cookie.same_site,
            )
        return response


class UndeclaredCookie(ImproperlyConfigured):
    pass


class DeclaredCookiesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        audience = (
            CookieAudience.OPERATORS if _is_operator_path(request) else CookieAudience.VISITORS
        )
        declared = {c.name: c for c in settings.POLICY.cookies if c.audience is audience}
        for name in list(response.cookies):
            problem = self._problem(declared.get(name), response.cookies[name], name, audience)
            if problem is None:
                continue
            if settings.DEBUG or getattr(settings, "TESTING", False):
                raise UndeclaredCookie(f"{request.path}: {problem}")
            log.warning("dropped cookie on %s: %s", request.path, problem)
            del response.cookies[name]
        return response

    @staticmethod
    def _problem(cookie: Cookie | None, morsel, name: str, audience: CookieAudience) -> str | None:  # type: ignore[no-untyped-def]
        if str(morsel["max-age"]) == "0" or morsel.value == "":
            return None  # telling the browser to forget a cookie is always allowed
        if cookie is None:
            return f"cookie {name!r} is not declared in the policy for {audience.value}"
        if cookie.lifetime == BROWSER_SESSION and (morsel["expires"] or morsel["max-age"] != ""):
            return f"cookie {name!r} is declared browser-session but was set with an expiry"
        if cookie.secure and not morsel["secure"]:
            return f"cookie {name!r} must be Secure"
        if cookie.http_only and not morsel["httponly"]:
            return f"cookie {name!r} must be HttpOnly"
        return None
