"""Cookies follow the policy: only declared cookies, with the declared lifetime and flags."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from pledge.web.middleware import DeclaredCookiesMiddleware, UndeclaredCookie


def _respond(path: str, set_cookies) -> HttpResponse:
    def view(request):
        response = HttpResponse("ok")
        set_cookies(response)
        return response

    request = RequestFactory().get(path, secure=True)
    return DeclaredCookiesMiddleware(view)(request)


@pytest.mark.clause("JC11")
def test_an_undeclared_cookie_is_an_error_in_tests_and_debug():
    with pytest.raises(UndeclaredCookie, match="cookie '_ga' is not declared in the policy"):
        _respond("/", lambda r: r.set_cookie("_ga", "GA1.2.3", secure=True, httponly=True))


@pytest.mark.clause("JC11")
def test_a_persistent_basket_cookie_is_an_error():
    with pytest.raises(UndeclaredCookie, match="declared browser-session but was set with an"):
        _respond(
            "/", lambda r: r.set_cookie("basket", "x", max_age=3600, secure=True, httponly=True)
        )


def test_in_production_an_undeclared_cookie_is_dropped_and_logged(settings, caplog):
    settings.TESTING = False
    with caplog.at_level(logging.WARNING, logger="pledge.cookies"):
        response = _respond("/", lambda r: r.set_cookie("tracker", "1", secure=True))
    assert "tracker" not in response.cookies
    assert "cookie 'tracker' is not declared" in caplog.text


def test_the_declared_basket_cookie_passes():
    response = _respond("/", lambda r: r.set_cookie("basket", "k", secure=True, httponly=True))
    assert "basket" in response.cookies


def test_the_operator_cookie_is_allowed_only_on_the_admin():
    ok = _respond(
        "/operator/login/", lambda r: r.set_cookie("operator", "k", secure=True, httponly=True)
    )
    assert "operator" in ok.cookies
    with pytest.raises(UndeclaredCookie):
        _respond("/", lambda r: r.set_cookie("operator", "k", secure=True, httponly=True))


@pytest.mark.django_db
def test_signing_in_to_the_admin_sets_only_the_operator_cookie(client, django_user_model):
    django_user_model.objects.create_superuser("boss@example.jp", "a long admin passphrase")
    page = client.get("/operator/login/", secure=True)
    assert list(page.cookies) == ["operator"]
    client.cookies = page.cookies
    response = client.post(
        "/operator/login/?next=/operator/",
        {"username": "boss@example.jp", "password": "a long admin passphrase"},
        secure=True,
    )
    assert response.status_code == 302 and response["Location"] == "/operator/"
    assert client.get("/operator/", secure=True).status_code == 200
    assert "basket" not in client.cookies
