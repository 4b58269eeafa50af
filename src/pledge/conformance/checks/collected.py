"""JC6: personal data comes from the forms the notice names, and only the kinds it lists.

The notice tells a customer what the site collects (names, addresses, e-mail addresses,
telephone numbers...). Every form control the visit met that asks for personal data is read for
the kind it asks (by its ``autocomplete`` token, the browser's own vocabulary, or else by its
name and label), and each kind must be one the policy declares. A date of birth asked by a
registration form that the notice never mentions is data collected without being told.

Card numbers are ``cards.no_field``'s (JC5); passwords and one-time codes are the account's own
credentials; choices (boxes, buttons) and search boxes ask for no personal data.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pledge.conformance.checks.base import SiteCheck, SiteContext, plural, site_check
from pledge.conformance.record import Field, same_origin
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy

# The kinds a form can ask for, by the HTML autocomplete token (its first detail token).
_AUTOCOMPLETE = {
    **dict.fromkeys(["name", "given-name", "family-name", "additional-name", "nickname",
                     "honorific-prefix", "honorific-suffix"], "name"),
    "email": "email",
    **dict.fromkeys(["tel", "tel-national", "tel-local", "tel-country-code",
                     "tel-area-code"], "telephone"),
    **dict.fromkeys(["street-address", "address-line1", "address-line2", "address-line3",
                     "address-level1", "address-level2", "address-level3", "address-level4",
                     "postal-code"], "address"),
    **dict.fromkeys(["bday", "bday-day", "bday-month", "bday-year"], "date of birth"),
    "sex": "gender",
    "organization-title": "occupation",
    "photo": "media",
}  # fmt: skip
_NOT_ASKED = {"new-password", "current-password", "one-time-code", "username"}
# Tokens that say which address or telephone, or nothing at all, before the one that matters.
_QUALIFIERS = {"shipping", "billing", "home", "work", "mobile", "fax", "pager", "on", "off"}
# Where a control has no autocomplete token: its name, id or label, most specific first.
_WORDS = [
    (re.compile(r"birth|\bdob\b", re.I), "date of birth"),
    (re.compile(r"gender|\bsex\b", re.I), "gender"),
    (re.compile(r"nationality|passport|national.?id", re.I), "identity_numbers"),
    (re.compile(r"e-?mail", re.I), "email"),
    (re.compile(r"phone|\btel\b|mobile", re.I), "telephone"),
    (re.compile(r"address|post.?code|zip", re.I), "address"),
    (re.compile(r"\bname\b|_name\b|\bname_", re.I), "name"),
]
_CHOICES = {"checkbox", "radio", "submit", "button", "reset", "hidden", "image", "search",
            "password"}  # fmt: skip


def kind_asked(field: Field) -> str | None:
    """The kind of personal data a control asks for, or None if it asks for none."""
    if field.tag == "button" or (field.tag == "input" and field.type in _CHOICES):
        return None
    tokens = field.autocomplete.lower().split()
    token = next((t for t in tokens if t not in _QUALIFIERS and not t.startswith("section-")), "")
    if token.startswith("cc-") or token in _NOT_ASKED:
        return None
    if token in _AUTOCOMPLETE:
        return _AUTOCOMPLETE[token]
    if field.type == "email":
        return "email"
    if field.type == "tel":
        return "telephone"
    text = " ".join((field.name, field.id, field.label))
    return next((kind for words, kind in _WORDS if words.search(text)), None)


@site_check
class CollectedAsDeclared(SiteCheck):
    id = "forms.declared_data"
    title = "Forms ask only for the kinds of personal data the notice lists"
    clauses = ("JC6",)

    def promise(self, policy: Policy) -> str:
        sources = dict.fromkeys(s for c in policy.categories for s in c.sources)
        kinds = {k.id: k.label for k in policy.personal_data_kinds}
        listed = ", ".join(kinds[k] for k in _declared(policy) if k in kinds)
        return f"data comes from: {', '.join(sources)}; it is: {listed}"

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        declared = _declared(context.policy)
        found: list[Evidence] = []
        asked: dict[str, int] = {}
        forms: set[tuple[str, str]] = set()
        seen: set[tuple[str, str, str]] = set()
        # The journey loads some pages more than once: each form and control is read once.
        for page in (p for p in visit.pages if same_origin(p.url, visit.url)):
            path = urlsplit(page.url).path
            for form in page.forms:
                forms.add((path, form.action))
                for field in form.fields:
                    control = (path, form.action, field.name or field.id)
                    kind = kind_asked(field)
                    if kind is None or control in seen:
                        continue
                    seen.add(control)
                    asked[kind] = asked.get(kind, 0) + 1
                    if kind not in declared:
                        found.append(Evidence(_undeclared(field, kind), page.url))
        if found:
            return Verdict.broken(
                f"{plural(len(found), 'form control')} ask for personal data the notice does "
                "not list",
                found,
            )
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(asked.items())) or "none"
        return Verdict.kept(
            f"{plural(len(forms), 'form')} read; the personal data they ask for is all "
            f"declared: {kinds}"
        )


def _declared(policy: Policy) -> list[str]:
    """The kinds of personal data the policy's categories hold, as the notice lists them."""
    return list(dict.fromkeys(k for c in policy.categories for k in c.kinds))


def _undeclared(field: Field, kind: str) -> str:
    name = field.name or field.id or "(unnamed)"
    label = f" labelled {field.label!r}" if field.label else ""
    return f"asks for {kind}, which the notice does not list: {field.tag} {name!r}{label}"
