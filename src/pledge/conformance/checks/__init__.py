"""The checks, registered on import: one module per promise or family of promises."""

from pledge.conformance.checks import (  # noqa: F401 - importing registers the checks
    audience,
    backups,
    cards,
    collected,
    cookies,
    erasures,
    journey,
    marketing,
    notice,
    parties,
    partitions,
    retention,
    scripts,
    statistics,
    stored_addresses,
    stored_cards,
    stores,
    transport,
)
from pledge.conformance.checks.base import (
    SITE_CHECKS,
    STORE_CHECKS,
    SiteContext,
    StoreContext,
)

# The order of the report: how the site is reached, what it sets and asks for, what it says,
# what a customer can do; then what the server keeps.
ORDER = (
    "transport.https",
    "transport.http_redirect",
    "transport.hsts",
    "forms.https",
    "cookies.declared",
    "cookies.lifetime",
    "cookies.attributes",
    "requests.first_party",
    "cards.no_field",
    "forms.declared_data",
    "pages.no_script",
    "notice.served",
    "contact.published",
    "journey.completed",
    "marketing.opt_in",
    "marketing.change",
    "marketing.none",
    "conformance.cleanup",
    "stores.policy",
    "stores.passwords",
    "stores.cards",
    "stores.visitor_address",
    "stores.statistics",
    "stores.marketing",
    "stores.marketing_audience",
    "retention",
    "stores.partitions_encrypted",
    "stores.datamap",
    "stores.audit",
    "stores.backups",
    "stores.erasures",
)


def _rank(check: type) -> int:
    identifier = getattr(check, "id", "")
    return ORDER.index(identifier) if identifier in ORDER else len(ORDER)


SITE_CHECKS.sort(key=_rank)
STORE_CHECKS.sort(key=_rank)

__all__ = ["SITE_CHECKS", "STORE_CHECKS", "SiteContext", "StoreContext"]
