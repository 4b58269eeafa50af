"""Each breakage a promise can suffer, as a site that has suffered it would show it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pledge.accounts.services import MARKETING, consent_current

THIRD_PARTY_FONT = "https://fonts.third-party.test/css2?family=Noto+Sans+JP"
UNDECLARED_COOKIE = "_ga"
NOTICE_ADDITION = "<p>We may share your details with carefully selected partners.</p>"
FOREIGN_ADDRESS = "privacy@partner-marketing.test"
NEWSLETTER_BOX = "Send me news and special offers"
BIRTH_DATE_LABEL = "Date of birth (for birthday offers)"


def _html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("text/html") and not response.streaming


def _edit(response: HttpResponse, old: str, new: str) -> None:
    response.content = response.content.decode().replace(old, new, 1).encode()
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))


class Breakage:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.breaks: frozenset[str] = settings.BREAK

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        """Before the view, once the visitor is known: changes to what the visitor sent."""
        if (
            "marketing-sticks" in self.breaks
            and request.method == "POST"
            and request.path == "/account/"
            and request.user.is_authenticated
        ):
            # Unticking the marketing box is ignored once consent was given ("we will stop
            # with the next mailing run"): the saved form still says yes.
            consent = consent_current(subject=request.user.subject, purpose=MARKETING)
            if consent is not None and consent.given:
                sent = request.POST.copy()
                sent[MARKETING] = "on"
                request.POST = sent

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path, on = request.path, self.breaks.__contains__
        if on("store-address") and hasattr(request, "session") and request.method == "GET":
            # Someone keeps the visitor's network address "for security".
            request.session["seen_from"] = request.META.get("REMOTE_ADDR", "")
            request.session.save()
        if on("undeclared-cookie") and path == "/":
            response.set_cookie(UNDECLARED_COOKIE, "GA1.2.3", secure=True, httponly=True)
        if on("persistent-basket") and "basket" in response.cookies:
            morsel = response.cookies["basket"]
            if morsel.value and str(morsel["max-age"]) != "0":
                morsel["max-age"] = 1209600  # remember the basket for a fortnight
        if on("no-hsts") and path == "/contact/":
            del response["Strict-Transport-Security"]
        if not _html(response):
            return response
        if on("third-party-font"):
            del response["Content-Security-Policy"]
            _edit(
                response, "</head>", f'<link rel="stylesheet" href="{THIRD_PARTY_FONT}">\n</head>'
            )
        if on("http-form") and path == "/":
            action = f"http://{request.get_host()}/newsletter/"
            form = (
                f'<form action="{action}" method="post"><label>Email <input name="email" '
                'type="email"></label><button type="submit">Subscribe</button></form>'
            )
            _edit(response, "</main>", f"{form}\n</main>")
        if on("newsletter") and path == "/":
            form = (
                '<form action="/newsletter/" method="post"><label>Email <input name="email" '
                'type="email"></label><label><input type="checkbox" name="news_opt_in"> '
                f'{NEWSLETTER_BOX}</label><button type="submit">Subscribe</button></form>'
            )
            _edit(response, "</main>", f"{form}\n</main>")
        if on("card-field") and path == "/checkout/":
            field = (
                '<label for="card">Card number</label>'
                '<input id="card" name="card_number" autocomplete="cc-number">'
            )
            _edit(
                response,
                '<button type="submit">Place order',
                f'{field}\n<button type="submit">Place order',
            )
        if on("foreign-mail") and path == "/contact/":
            link = f'<p>Data requests: <a href="mailto:{FOREIGN_ADDRESS}">{FOREIGN_ADDRESS}</a></p>'
            _edit(response, "</main>", f"{link}\n</main>")
        if on("birth-date") and path == "/account/register/":
            field = (
                f'<label for="dob">{BIRTH_DATE_LABEL}</label>'
                '<input id="dob" name="date_of_birth" type="date" autocomplete="bday">'
            )
            _edit(response, '<button type="submit">Create account', f"{field}\n"
                  '<button type="submit">Create account')  # fmt: skip
        if on("ticked-marketing") and path == "/account/register/":
            _edit(response, 'name="marketing"', 'name="marketing" checked')
        if on("notice-altered") and path == "/privacy/":
            _edit(
                response, '<article class="notice">', f'<article class="notice">\n{NOTICE_ADDITION}'
            )
        return response
