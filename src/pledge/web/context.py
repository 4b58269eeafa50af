"""Template context shared by every page: the business, its promises, the basket count."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from pledge.shop.basket import Basket


def site(request: HttpRequest) -> dict[str, object]:
    policy = settings.POLICY
    shop = policy.accounts.registration
    session = getattr(request, "session", None)
    return {
        "policy": policy,
        "controller": policy.controller,
        "shop_mode": shop,
        # Reading the session sets no cookie; only a page that stores something does.
        "basket_count": Basket(session).count() if shop and session is not None else 0,
    }
