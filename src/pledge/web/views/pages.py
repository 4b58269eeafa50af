"""Pages every site has: home, privacy notice, contact; and the information pages of a site
that takes orders by email (the alps way)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from pledge.notices.selectors import notice_current
from pledge.shop.selectors import product_sections, products_active


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if settings.POLICY.accounts.registration:
        featured = products_active().order_by("-stock")[:6]
        return render(request, "web/shop/home.html", {"featured": featured})
    return render(request, "web/info/home.html", {"products": products_active()[:3]})


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    notice = notice_current(policy=settings.POLICY)
    return render(request, "web/privacy.html", {"notice": notice})


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "web/contact.html")


@require_safe
def services(request: HttpRequest) -> HttpResponse:
    sections = {s: list(products_active().filter(section=s)) for s in product_sections()}
    return render(request, "web/info/services.html", {"sections": sections})


@require_safe
def ordering(request: HttpRequest) -> HttpResponse:
    return render(request, "web/info/ordering.html")
