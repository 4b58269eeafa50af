"""The shop: catalogue, basket, checkout (JC5, JC11), and the hosted payment page hand-over."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.signing import BadSignature, TimestampSigner
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from pledge.accounts.selectors import profile_of
from pledge.shop.basket import Basket
from pledge.shop.models import Order, PaymentMethod, Product
from pledge.shop.selectors import product_sections, products_active
from pledge.shop.services import Delivery, order_place, payment_record
from pledge.web.forms import CheckoutForm

PLACED = "orders_placed"  # references this browser session may see
_signer = TimestampSigner(salt="pledge.web.views.shop.provider")


def _methods() -> list[tuple[str, str]]:
    allowed = settings.POLICY.payments.methods
    methods = [(m.value, m.label) for m in PaymentMethod if m.value in allowed]
    if not settings.PAYMENT_PROVIDER:
        methods = [m for m in methods if m[0] != PaymentMethod.HOSTED_CARD_PAGE]
    return [m for m in methods if m[0] != PaymentMethod.PAYPAL]


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    section = request.GET.get("section", "")
    products = products_active()
    if section:
        products = products.filter(section=section)
    context = {"products": products, "sections": product_sections(), "section": section}
    return render(request, "web/shop/catalogue.html", context)


@require_safe
def product(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(products_active(), slug=slug)
    return render(request, "web/shop/product.html", {"product": item})


@require_POST
def basket_add(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(products_active(), slug=slug)
    try:
        quantity = max(1, min(int(request.POST.get("quantity", "1")), 99))
    except ValueError:
        quantity = 1
    Basket(request.session).add(item, quantity)
    messages.success(request, f"{item.name} is in your basket.")
    return redirect("web:basket")


@require_http_methods(["GET", "HEAD", "POST"])
def basket(request: HttpRequest) -> HttpResponse:
    current = Basket(request.session)
    if request.method == "POST":
        for item in Product.objects.filter(
            pk__in=[int(k) for k in request.session.get("basket", {})]
        ):
            raw = request.POST.get(f"quantity-{item.pk}")
            if raw is not None and raw.isdigit():
                current.set(item, int(raw))
        messages.info(request, "Your basket is updated.")
        return redirect("web:basket")
    return render(
        request, "web/shop/basket.html", {"lines": current.lines(), "subtotal": current.subtotal()}
    )


def _initial(request: HttpRequest) -> dict[str, str]:
    if not request.user.is_authenticated:
        return {"country": "GB"}
    profile = profile_of(subject=request.user.subject)
    if profile is None:
        return {"country": "GB"}
    return {
        "name": profile.name.reveal(purpose="orders"),
        "email": profile.email.reveal(purpose="orders"),
        "address": profile.postal_address.reveal(purpose="orders"),
        "phone": profile.phone.reveal(purpose="orders") if profile.phone else "",
        "country": "GB",
    }


@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    current = Basket(request.session)
    lines = current.lines()
    if not lines:
        messages.info(request, "Your basket is empty.")
        return redirect("web:catalogue")
    form = CheckoutForm(request.POST or None, initial=_initial(request), methods=_methods())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        order = order_place(
            lines=lines,
            delivery=Delivery(
                data["name"], data["address"], data["country"], data["email"], data["phone"]
            ),
            payment_method=PaymentMethod(data["payment_method"]),
            subject=request.user.subject if request.user.is_authenticated else None,
        )
        current.clear()
        request.session[PLACED] = [*request.session.get(PLACED, []), order.reference][-10:]
        if order.payment_method == PaymentMethod.HOSTED_CARD_PAGE:
            token = _signer.sign(order.reference)
            return redirect(reverse("web:provider", args=[token]))
        return redirect("web:order", reference=order.reference)
    context = {"form": form, "lines": lines, "subtotal": current.subtotal()}
    return render(request, "web/shop/checkout.html", context)


def _visible_order(request: HttpRequest, reference: str) -> Order:
    order = get_object_or_404(Order, reference=reference)
    mine = request.user.is_authenticated and order.subject_id == request.user.subject_id
    if not mine and reference not in request.session.get(PLACED, []):
        raise Http404("no such order")
    return order


@require_safe
def order(request: HttpRequest, reference: str) -> HttpResponse:
    placed = _visible_order(request, reference)
    return render(request, "web/shop/order.html", {"order": placed, "bank": settings.BANK_DETAILS})


@require_http_methods(["GET", "HEAD", "POST"])
def provider(request: HttpRequest, token: str) -> HttpResponse:
    """The in-process stand-in for a hosted payment page (a processor's own site in production).

    It takes no card details: it only approves or declines, as a provider's page would after
    the customer dealt with it there.
    """
    if settings.PAYMENT_PROVIDER != "test":
        raise Http404("no payment provider is configured")
    try:
        reference = _signer.unsign(token, max_age=1800)
    except BadSignature:
        raise Http404("this payment link is not valid") from None
    placed = get_object_or_404(Order, reference=reference)
    if request.method == "POST":
        if request.POST.get("decision") == "approve":
            payment_record(
                order=placed,
                method=PaymentMethod.HOSTED_CARD_PAGE,
                amount=placed.total,
                reference=f"TEST-{reference}",
            )
            messages.success(request, "Payment approved by the provider.")
        else:
            messages.info(request, "Payment cancelled. You can pay by bank transfer instead.")
        return redirect("web:order", reference=reference)
    return render(request, "web/shop/provider.html", {"order": placed})
