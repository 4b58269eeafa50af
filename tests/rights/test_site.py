"""The requests page exists only where the policy takes requests on the site."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import clear_url_caches

import pledge.urls
import pledge.web.urls
from pledge.policy import load

pytestmark = pytest.mark.django_db

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def _reload_urls() -> None:
    importlib.reload(pledge.web.urls)
    importlib.reload(pledge.urls)
    clear_url_caches()


@pytest.fixture
def alps_site(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The URLs as ``pledge serve`` builds them under alps, then back as they were."""
    before = settings.POLICY
    settings.POLICY = load(POLICIES / "alps.yaml")
    _reload_urls()
    try:
        yield
    finally:
        settings.POLICY = before
        _reload_urls()


@pytest.mark.clause("AL14")
def test_alps_has_no_request_form_and_its_contact_page_says_to_write(client, alps_site, settings):
    assert client.get("/rights/", secure=True).status_code == 404
    contact = client.get("/contact/", secure=True).content.decode()
    assert "/rights/" not in contact and "Ask on this site" not in contact
    assert settings.POLICY.rights.in_writing_only
    assert settings.POLICY.rights.how.split(".")[0] in contact


def test_japan_centre_has_the_request_form(client):
    assert client.get("/rights/", secure=True).status_code == 200
