"""Rights requests on the site (JC1, JC13, JC14): ask, confirm by the emailed link, get the answer.

Only where the policy takes requests on the site (``not rights.in_writing_only``). The page that
takes a request answers the same whatever the address: a known address gets a one-time link, an
unknown one a message saying nothing is held under it, and the page learns neither. Following
the link (a POST from the page it opens, so mail scanners that fetch links change nothing)
verifies the request and answers it: erasure and an end to marketing at once, with the outcome
on the page and by email; a copy of the data and a correction on pages that only the browser
that followed the link may open (a grant kept in its session).
"""

from __future__ import annotations

import math
import uuid

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from pledge.accounts.selectors import profile_of
from pledge.accounts.services import MARKETING, consent_current
from pledge.rights.answers import answer_body
from pledge.rights.links import LinkRefused
from pledge.rights.models import Kind, RightsRequest
from pledge.rights.selectors import request_for_link
from pledge.rights.services import (
    Correction,
    NothingToCorrect,
    RequestClosed,
    access_answer,
    answer_record,
    erasure_answer,
    objection_apply,
    rectification_apply,
    request_complete,
    request_open,
    request_verify,
)
from pledge.vault.purposes import SUBJECT_ACCESS
from pledge.web.forms import AccountForm, NoCardNumbers
from pledge.web.mail import mail_send
from pledge.web.ratelimit import rights_request_allowed

GRANTS = "rights_grants"  # session key: requests this browser verified, for their pages
BUTTONS = {
    Kind.ACCESS: "Confirm and get my data",
    Kind.ERASURE: "Confirm and erase my data",
    Kind.RECTIFICATION: "Confirm and correct my details",
    Kind.OBJECTION: "Confirm and stop marketing",
}


class RightsRequestForm(NoCardNumbers):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="The address you registered, ordered or wrote to us with.",
    )
    kind = forms.ChoiceField(label="What would you like?", widget=forms.RadioSelect)

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [
            (Kind.ACCESS, "A copy of everything you hold about me"),
            (Kind.RECTIFICATION, "Correct my details"),
            (Kind.ERASURE, "Erase my data"),
        ]
        if settings.POLICY.has_marketing:
            choices.append((Kind.OBJECTION, "Stop sending me marketing"))
        self.fields["kind"].choices = choices


def _grant(request: HttpRequest, rights_request: RightsRequest) -> None:
    granted = request.session.get(GRANTS, [])
    request.session[GRANTS] = [*granted, str(rights_request.pk)][-5:]


def _granted(request: HttpRequest, request_id: uuid.UUID) -> RightsRequest:
    if str(request_id) not in request.session.get(GRANTS, []):
        raise Http404("no request of yours here")
    found = RightsRequest.objects.filter(pk=request_id).first()
    if found is None:
        raise Http404("no such request")
    return found


def _revoke(request: HttpRequest, request_id: uuid.UUID) -> None:
    request.session[GRANTS] = [g for g in request.session.get(GRANTS, []) if g != str(request_id)]


def _answer_by_email(rights_request: RightsRequest, address: str) -> None:
    rights_request.refresh_from_db()
    body = answer_body(rights_request)
    mail_send(
        to=address,
        template="rights_answer",
        context={"reference": rights_request.reference, "body": body},
    )
    answer_record(request=rights_request, by="email")


@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    form = RightsRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, kind = form.cleaned_data["email"], Kind(form.cleaned_data["kind"])
        limit = rights_request_allowed(email=email, ip=request.META.get("REMOTE_ADDR", ""))
        if not limit.allowed:
            minutes = math.ceil(limit.retry_after / 60)
            form.add_error(None, f"Too many requests have been sent from here or to this address "
                           f"just now. Please try again in {minutes} minutes.")  # fmt: skip
            response = render(request, "web/rights/start.html", {"form": form}, status=429)
            response["Retry-After"] = str(limit.retry_after)
            return response
        opened = request_open(email=email, kind=kind)
        if opened.request is None:
            context = {"kind_label": kind.label, "body": _nothing_held(kind)}
            mail_send(to=email, template="rights_unknown", context=context)
        else:
            link = request.build_absolute_uri(
                reverse("web:rights-verify", args=[opened.request.pk, opened.token])
            )
            mail_send(
                to=email, template="rights_verify", context={"link": link, "kind_label": kind.label}
            )
        # The same page either way: nobody learns from it whose address is known.
        return redirect("web:rights-sent")
    return render(request, "web/rights/start.html", {"form": form})


def _nothing_held(kind: Kind) -> str:
    return answer_body(RightsRequest(kind=kind, reference="-", subject=None))


@require_safe
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/rights/sent.html")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest, request_id: uuid.UUID, token: str) -> HttpResponse:
    if request.method != "POST":
        try:
            found = request_for_link(request_id=request_id, token=token)
        except LinkRefused as refused:
            return render(request, "web/rights/link_invalid.html", {"why": refused.why}, status=400)
        context = {"kind": found.kind, "kind_label": Kind(found.kind).label,
                   "button": BUTTONS[Kind(found.kind)]}  # fmt: skip
        return render(request, "web/rights/confirm.html", context)
    try:
        verified = request_verify(request_id=request_id, token=token)
    except LinkRefused as refused:
        return render(request, "web/rights/link_invalid.html", {"why": refused.why}, status=400)
    rights_request = verified.request
    if rights_request.kind in (Kind.ACCESS, Kind.RECTIFICATION):
        _grant(request, rights_request)
        name = "web:rights-access" if rights_request.kind == Kind.ACCESS else "web:rights-rectify"
        return redirect(name, request_id=rights_request.pk)
    if rights_request.kind == Kind.ERASURE:
        rows = erasure_answer(request=rights_request)
        _answer_by_email(rights_request, verified.address)
        return render(request, "web/rights/erased.html", {"rows": rows, "ref": rights_request})
    withdrawn = objection_apply(request=rights_request)
    _answer_by_email(rights_request, verified.address)
    return render(
        request, "web/rights/objected.html", {"withdrawn": withdrawn, "ref": rights_request}
    )


@never_cache
@require_safe
def access(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    rights_request = _granted(request, request_id)
    return render(request, "web/rights/access.html", {"ref": rights_request})


@never_cache
@require_safe
def download(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    rights_request = _granted(request, request_id)
    try:
        content = access_answer(request=rights_request)
    except RequestClosed as exc:
        raise Http404(str(exc)) from None
    name = f"{settings.POLICY.id}-your-data-{rights_request.reference}.zip"
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rectify(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    rights_request = _granted(request, request_id)
    subject = rights_request.subject
    profile = profile_of(subject=subject) if subject is not None else None
    if profile is None:
        request_complete(request=rights_request, note="no account details held", actor="system")
        _revoke(request, request_id)
        return render(request, "web/rights/rectified.html", {"nothing": True})
    consent = consent_current(subject=subject, purpose=MARKETING)
    initial = {
        "name": profile.name.reveal(purpose=SUBJECT_ACCESS),
        "postal_address": profile.postal_address.reveal(purpose=SUBJECT_ACCESS),
        "phone": profile.phone.reveal(purpose=SUBJECT_ACCESS) if profile.phone else "",
        "marketing": bool(consent and consent.given),
    }
    email = profile.email.reveal(purpose=SUBJECT_ACCESS)
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        correction = Correction(
            name=data["name"],
            postal_address=data["postal_address"],
            phone=data["phone"],
            marketing=data["marketing"],
        )
        try:
            changed = rectification_apply(request=rights_request, correction=correction)
        except (RequestClosed, NothingToCorrect) as exc:
            raise Http404(str(exc)) from None
        _revoke(request, request_id)
        _answer_by_email(rights_request, email)  # to the address of record: a notice, too
        return render(request, "web/rights/rectified.html", {"changed": changed})
    return render(request, "web/rights/rectify.html", {"form": form, "email": email})
