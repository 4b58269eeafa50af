"""Customer accounts: register, activate, sign in and out, reset a password, change details
and the marketing choice (JC10, JC13), close the account (through the erasure service)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)
from django.views.decorators.http import require_http_methods, require_POST

from pledge.accounts import throttle
from pledge.accounts.models import User
from pledge.accounts.selectors import profile_of, user_by_email
from pledge.accounts.services import (
    MARKETING,
    account_activate,
    account_close,
    consent_current,
    customer_register,
    password_set,
    profile_update,
)
from pledge.notices.selectors import notice_current
from pledge.shop.selectors import orders_of
from pledge.web.forms import (
    AccountForm,
    CloseAccountForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    RegistrationForm,
    SignInForm,
)
from pledge.web.mail import mail_send
from pledge.web.tokens import activation_token, reset_token

SERVICE = "service"  # the purpose for which the account pages read a customer's details


def _link(request: HttpRequest, name: str, user: User, token: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return request.build_absolute_uri(reverse(name, args=[uid, token]))


def _user_from(uidb64: str) -> User | None:
    try:
        return User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        return None


@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = customer_register(
            name=data["name"],
            email=data["email"],
            postal_address=data["postal_address"],
            phone=data["phone"],
            password=data["password"],
            marketing=data["marketing"],
            notice=notice_current(policy=settings.POLICY),
        )
        if result.user is None:
            mail_send(
                to=data["email"],
                template="address_taken",
                context={
                    "sign_in": request.build_absolute_uri(reverse("web:sign-in")),
                    "reset": request.build_absolute_uri(reverse("web:password-reset")),
                },
            )
        else:
            link = _link(
                request, "web:activate", result.user, activation_token.make_token(result.user)
            )
            mail_send(to=data["email"], template="activate", context={"link": link})
        # The same answer either way: nobody learns from this page who has an account.
        return redirect("web:check-email")
    return render(request, "web/account/register.html", {"form": form})


def check_email(request: HttpRequest) -> HttpResponse:
    return render(request, "web/account/check_email.html")


def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from(uidb64)
    if user is None or not activation_token.check_token(user, token):
        return render(request, "web/account/link_invalid.html", status=400)
    if request.method == "POST":
        account_activate(user=user)
        messages.success(request, "Your account is active. Please sign in.")
        return redirect("web:sign-in")
    return render(request, "web/account/activate.html")


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        email, ip = form.cleaned_data["email"], request.META.get("REMOTE_ADDR", "")
        decision = throttle.sign_in_allowed(email=email, ip=ip)
        if not decision.allowed:
            minutes = max(1, round(decision.retry_after / 60))
            form.add_error(
                None, f"Too many failed attempts. Please try again in {minutes} minutes."
            )
        else:
            user = authenticate(request, email=email, password=form.cleaned_data["password"])
            if user is None:
                throttle.sign_in_failed(email=email, ip=ip)
                form.add_error(None, "That email address and password do not match an account.")
            else:
                throttle.sign_in_succeeded(email=email, ip=ip)
                login(request, user)
                safe = url_has_allowed_host_and_scheme(
                    next_url, allowed_hosts={request.get_host()}, require_https=True
                )
                return redirect(next_url if safe and next_url else "web:account")
    return render(request, "web/account/sign_in.html", {"form": form, "next": next_url})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("web:home")


@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_by_email(email=form.cleaned_data["email"])
        profile = profile_of(subject=user.subject) if user and user.is_active else None
        if user is not None and profile is not None:
            link = _link(request, "web:password-reset-confirm", user, reset_token.make_token(user))
            mail_send(
                to=profile.email.reveal(purpose=SERVICE), template="reset", context={"link": link}
            )
        return redirect("web:check-email")
    return render(request, "web/account/password_reset.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from(uidb64)
    if user is None or not reset_token.check_token(user, token):
        return render(request, "web/account/link_invalid.html", status=400)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_set(user=user, password=form.cleaned_data["password"])
        messages.success(request, "Your password is changed. Please sign in.")
        return redirect("web:sign-in")
    return render(request, "web/account/password_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    subject = request.user.subject
    profile = profile_of(subject=subject)
    if profile is None:
        raise Http404("this account has no customer profile")
    consent = consent_current(subject=subject, purpose=MARKETING)
    initial = {
        "name": profile.name.reveal(purpose=SERVICE),
        "postal_address": profile.postal_address.reveal(purpose=SERVICE),
        "phone": profile.phone.reveal(purpose=SERVICE) if profile.phone else "",
        "marketing": bool(consent and consent.given),
    }
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        profile_update(
            subject=subject,
            name=data["name"],
            postal_address=data["postal_address"],
            phone=data["phone"],
            marketing=data["marketing"],
            notice=notice_current(policy=settings.POLICY),
        )
        messages.success(request, "Your details are saved. Any change to marketing applies now.")
        return redirect("web:account")
    context = {
        "form": form,
        "email": profile.email.reveal(purpose=SERVICE),
        "orders": orders_of(subject=subject)[:20],
        "consent": consent,
    }
    return render(request, "web/account/account.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def close(request: HttpRequest) -> HttpResponse:
    form = CloseAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcomes = account_close(user=request.user)
        logout(request)
        policy = settings.POLICY
        rows = [
            (getattr(policy.category(o.category), "name", o.category), o.words(policy.time_zone))
            for o in outcomes
        ]
        return render(request, "web/account/closed.html", {"rows": rows})
    return render(request, "web/account/close.html", {"form": form})
