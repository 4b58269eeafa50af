"""Public pages. Thin: each view asks a selector and renders a template."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from pledge.notices.selectors import notice_current


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    notice = notice_current(policy=settings.POLICY)
    return render(request, "web/privacy.html", {"notice": notice})


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "web/contact.html")
