"""pledge's settings plus the breakage middleware (and, if asked, an undeclared app)."""

import os

from pledge.settings import *  # noqa: F403
from pledge.settings import INSTALLED_APPS, MIDDLEWARE

BREAK = frozenset(filter(None, os.environ.get("PLEDGE_BREAK", "").split(",")))

# First, so it sees every response last: after the cookie policy, HSTS and CSP are applied.
MIDDLEWARE = ["tests.conformance.breakage.middleware.Breakage", *MIDDLEWARE]

if "undeclared-model" in BREAK:
    INSTALLED_APPS = [*INSTALLED_APPS, "tests.conformance.breakage.undeclared"]
