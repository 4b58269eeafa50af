"""Pages every site has: home, privacy notice, contact; and the information pages of a site
that takes orders by email (the alps way)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from pledge.correspondence.services import enquiry_file
from pledge.notices.selectors import notice_current
from pledge.shop.selectors import product_sections, products_active
from pledge.web.forms import EnquiryForm


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


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """The contact page; under a policy with a contact form, the form files an enquiry (JC14).

    Under alps there is no form at all ("Email systems are not linked to the website"): the
    page shows the address and refuses a POST. The form is protected from cross-site posting by
    the browser's own Sec-Fetch-Site and Origin headers rather than a token, because a token
    lives in the session and the session is a cookie: the contact page sets none.
    """
    if not settings.POLICY.accounts.contact_form:
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return render(request, "web/contact.html")
    if request.method != "POST":
        form = EnquiryForm()
        return render(request, "web/contact.html", {"form": form, "sent": "sent" in request.GET})
    if not _same_origin(request):
        return HttpResponseForbidden("Cross-site form submissions are refused.")
    form = EnquiryForm(request.POST)
    if not form.is_valid():
        return render(request, "web/contact.html", {"form": form}, status=400)
    enquiry_file(
        email=form.cleaned_data["email"],
        name=form.cleaned_data["name"],
        text=form.cleaned_data["message"],
    )
    return redirect(f"{reverse('web:contact')}?sent=1")


def _same_origin(request: HttpRequest) -> bool:
    """True unless the browser says the form was posted from another site.

    Browsers send Sec-Fetch-Site (all current ones) or Origin with every cross-site POST; a
    request with neither comes from no browser, so it cannot be a forgery riding on a visitor.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin == f"{request.scheme}://{request.get_host()}"


@require_safe
def services(request: HttpRequest) -> HttpResponse:
    sections = {s: list(products_active().filter(section=s)) for s in product_sections()}
    return render(request, "web/info/services.html", {"sections": sections})


@require_safe
def ordering(request: HttpRequest) -> HttpResponse:
    return render(request, "web/info/ordering.html")
