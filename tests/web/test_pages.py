"""Public pages under the active policy (japan-centre in the test settings)."""

import pytest
from django.conf import settings

from pledge.notices.models import NoticeVersion
from pledge.policy.notice import render

pytestmark = pytest.mark.django_db


@pytest.mark.clause("AL1")
def test_privacy_page_serves_the_notice_rendered_from_the_policy(client):
    response = client.get("/privacy/", secure=True)
    assert response.status_code == 200
    assert render(settings.POLICY, "html") in response.content.decode()


def test_every_served_notice_is_recorded_by_its_hash(client):
    client.get("/privacy/", secure=True)
    version = NoticeVersion.objects.get()
    assert version.html == render(settings.POLICY, "html")
    assert version.effective == settings.POLICY.effective
    assert version.sha256[:12] in client.get("/privacy/", secure=True).content.decode()
    assert NoticeVersion.objects.count() == 1


@pytest.mark.clause("JC3")
def test_plain_http_is_redirected_to_https(client):
    response = client.get("/privacy/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/privacy/?x=1"


@pytest.mark.clause("JC3")
def test_https_responses_carry_hsts(client):
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.clause("JC12")
def test_pages_allow_no_other_origin(client):
    response = client.get("/", secure=True)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "http" not in csp.replace("'self'", "")


@pytest.mark.clause("JC1")
def test_contact_page_names_the_one_enquiry_address(client):
    response = client.get("/contact/", secure=True)
    assert "enquiry@japancentre.com" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/privacy/", "/contact/"])
def test_browsing_public_pages_sets_no_cookie(client, path):
    response = client.get(path, secure=True)
    assert response.cookies == {}
