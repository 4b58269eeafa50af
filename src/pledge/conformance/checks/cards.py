"""JC5: no card field anywhere. Nothing on the site asks for a payment card's number.

A card field is a control a visitor types into that is marked, named or labelled for card
details (``autocomplete="cc-*"``, a name like ``card_number`` or ``cvv``, a label like "Card
number" or "Security code"). Choices between payment methods are not: choosing "card, on our
payment provider's page" asks for no number here.
"""

from __future__ import annotations

import re

from pledge.conformance.checks.base import SiteCheck, SiteContext, plural, site_check
from pledge.conformance.record import Field
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy

TYPED = {"", "text", "tel", "number", "password", "search", "email", "url", "month"}
_NAME = re.compile(
    r"(?:^|[_-])(?:cc|card|cardnumber|card_?no|card_?num(?:ber)?|credit_?card|pan|cvv2?|cvc2?|"
    r"csc|security_?code|exp(?:iry|iration)?(?:_?(?:date|month|year))?)(?:[_-]|$)"
)
_LABEL = re.compile(
    r"card number|credit card|debit card|security code|\bcvv\b|\bcvc\b|expiry date|"
    r"expiration date|name on (?:the )?card",
    re.IGNORECASE,
)


def card_field(field: Field) -> str | None:
    """Why ``field`` asks for card details, or None."""
    typed = field.tag in ("textarea", "select") or field.type in TYPED
    if not typed:
        return None
    if field.autocomplete.split(" ")[-1].startswith("cc-"):
        return f'autocomplete="{field.autocomplete}"'
    for attribute in (field.name, field.id):
        normal = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", attribute).lower()
        if attribute and _NAME.search(normal):
            return f"named {attribute!r}"
    if _LABEL.search(field.label):
        return f"labelled {field.label!r}"
    return None


@site_check
class NoCardField(SiteCheck):
    id = "cards.no_field"
    title = "No page asks for card details"
    clauses = ("JC5",)

    def promise(self, policy: Policy) -> str:
        return policy.cards.statement

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        found, total = [], 0
        for page in visit.pages:
            fields = [f for form in page.forms for f in form.fields] + page.loose_fields
            total += len(fields)
            for field in fields:
                why = card_field(field)
                if why:
                    found.append(
                        Evidence(
                            f"a {field.tag} {field.type or ''} field {why}".replace("  ", " "),
                            page.url,
                        )
                    )
        if found:
            return Verdict.broken(f"{plural(len(found), 'card field')} found", found)
        return Verdict.kept(
            f"none of the {plural(total, 'field')} on {plural(len(visit.pages), 'page')} asks for "
            "card details",
            [Evidence("fields read: every input, textarea and select, in forms and outside")],
        )
