"""Template context shared by every page: the business and its promises."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    policy = settings.POLICY
    return {"policy": policy, "controller": policy.controller}
