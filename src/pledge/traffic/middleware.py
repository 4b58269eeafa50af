"""The request-recording middleware: ``pledge serve``'s access log (AL6, JC7).

First in ``MIDDLEWARE``, so it sees every response the site gives, redirects and static files
included, with its final status. Recording can never fail a request: a problem is logged and
the visitor gets their page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from pledge.traffic.recorder import Hit, recorder

log = logging.getLogger("pledge.traffic")


def _size(response: HttpResponse | StreamingHttpResponse) -> int:
    length = response.get("Content-Length")
    if length and length.isdigit():
        return int(length)
    if isinstance(response, StreamingHttpResponse) or getattr(response, "streaming", False):
        return 0
    return len(response.content)


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = timezone.now()
        response = self.get_response(request)
        try:
            meta = request.META
            recorder().record(
                Hit(
                    time=started,
                    ip=meta.get("REMOTE_ADDR") or "-",
                    method=request.method or "-",
                    target=request.get_full_path(),
                    protocol=meta.get("SERVER_PROTOCOL") or "HTTP/1.1",
                    status=response.status_code,
                    size=_size(response),
                    referrer=meta.get("HTTP_REFERER", ""),
                    agent=meta.get("HTTP_USER_AGENT", ""),
                )
            )
        except Exception:
            log.exception("a request could not be recorded")
        return response
