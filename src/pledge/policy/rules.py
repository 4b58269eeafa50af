"""Consistency rules: the parts of a policy that must agree with one another.

Each rule yields ``Problem``s that carry the path of the value at fault, so the loader can
point at its line and column. Rules read a structurally valid ``Policy``; they never raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pledge.policy.schema import (
    ConsentMode,
    LegalBasis,
    Policy,
    RecipientKind,
)

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    message: str


Rule = Callable[[Policy], Iterator[Problem]]


def _listing(values: list[str]) -> str:
    return ", ".join(values) if values else "none declared"


def unique_ids(policy: Policy) -> Iterator[Problem]:
    """Each repeat is one problem, placed on the repeat and naming the first use."""
    for section in ("purposes", "categories", "recipients", "personal_data_kinds"):
        first: dict[str, int] = {}
        for index, item in enumerate(getattr(policy, section)):
            if item.id in first:
                yield Problem(
                    (section, index, "id"),
                    f"id {item.id!r} is already used by {section}[{first[item.id]}] "
                    f"(ids must be unique within {section})",
                )
            first.setdefault(item.id, index)
    named: dict[str, int] = {}
    for index, cookie in enumerate(policy.cookies):
        if cookie.name in named:
            yield Problem(
                ("cookies", index, "name"),
                f"cookie {cookie.name!r} is already declared by cookies[{named[cookie.name]}] "
                "(cookie names must be unique)",
            )
        named.setdefault(cookie.name, index)


def purposes_declared(policy: Policy) -> Iterator[Problem]:
    declared = [p.id for p in policy.purposes]
    for ci, category in enumerate(policy.categories):
        for pi, purpose in enumerate(category.purposes):
            if purpose not in declared:
                yield Problem(
                    ("categories", ci, "purposes", pi),
                    f"purpose {purpose!r} is not declared (declared purposes: "
                    f"{_listing(declared)})",
                )
    for ci, cookie in enumerate(policy.cookies):
        if cookie.purpose not in declared:
            yield Problem(
                ("cookies", ci, "purpose"),
                f"purpose {cookie.purpose!r} is not declared (declared purposes: "
                f"{_listing(declared)})",
            )


def categories_declared(policy: Policy) -> Iterator[Problem]:
    declared = [c.id for c in policy.categories]
    for ri, recipient in enumerate(policy.recipients):
        for ci, category in enumerate(recipient.categories):
            if category not in declared:
                yield Problem(
                    ("recipients", ri, "categories", ci),
                    f"category {category!r} is not declared (declared categories: "
                    f"{_listing(declared)})",
                )
    if policy.web_logs.category is not None and policy.web_logs.category not in declared:
        yield Problem(
            ("web_logs", "category"),
            f"category {policy.web_logs.category!r} is not declared "
            f"(declared categories: {_listing(declared)})",
        )
    kinds = [k.id for k in policy.personal_data_kinds]
    for ci, category in enumerate(policy.categories):
        for ki, kind in enumerate(category.kinds):
            if kind not in kinds:
                yield Problem(
                    ("categories", ci, "kinds", ki),
                    f"kind {kind!r} is not listed under personal_data_kinds "
                    f"(listed: {_listing(kinds)})",
                )


def retention_consistent(policy: Policy) -> Iterator[Problem]:
    for ci, category in enumerate(policy.categories):
        rule = category.retention
        where = ("categories", ci, "retention")
        if rule.maximum is None and not rule.on_request:
            yield Problem(
                where,
                "retention has no end: give a 'maximum', or set 'on_request: true' for data "
                "kept until the person asks",
            )
        if rule.maximum is not None and rule.on_request:
            yield Problem(
                (*where, "on_request"),
                "'on_request: true' means kept until asked; it cannot also have a 'maximum'",
            )
        if rule.maximum is not None and rule.minimum.approx_days() > rule.maximum.approx_days():
            yield Problem(
                (*where, "minimum"),
                f"minimum keep {rule.minimum} is longer than the maximum {rule.maximum} "
                "(the minimum must not exceed the maximum)",
            )
        if rule.maximum is None and rule.schedule.after_fiscal_year_end is not None:
            yield Problem(
                (*where, "schedule"),
                "a deletion schedule needs a 'maximum'; data kept until asked goes on request",
            )
        if rule.schedule.after_fiscal_year_end is None and not rule.schedule.grace.is_zero:
            yield Problem(
                (*where, "schedule", "grace"),
                "a grace window needs 'after_fiscal_year_end'",
            )


def consent_consistent(policy: Policy) -> Iterator[Problem]:
    for pi, purpose in enumerate(policy.purposes):
        if purpose.legal_basis is LegalBasis.CONSENT and purpose.consent is ConsentMode.NONE:
            yield Problem(
                ("purposes", pi, "consent"),
                "legal basis 'consent' needs a consent mode: set 'consent: opt-in'",
            )
        if purpose.consent is ConsentMode.OPT_IN and purpose.legal_basis is not LegalBasis.CONSENT:
            yield Problem(
                ("purposes", pi, "legal_basis"),
                f"an opt-in purpose rests on consent, not {purpose.legal_basis.value!r}",
            )
        if purpose.marketing and purpose.legal_basis is not LegalBasis.CONSENT:
            yield Problem(
                ("purposes", pi, "legal_basis"),
                "marketing rests on consent here: set 'legal_basis: consent' and 'consent: opt-in'",
            )
        if purpose.consent is ConsentMode.OPT_IN and not purpose.withdraw:
            yield Problem(
                ("purposes", pi, "withdraw"),
                "a purpose with 'consent: opt-in' must say how consent is withdrawn: add "
                "'withdraw' with the way to do it",
            )


def sharing_consistent(policy: Policy) -> Iterator[Problem]:
    if policy.sharing.third_parties != "none":
        return
    for ri, recipient in enumerate(policy.recipients):
        if recipient.kind is RecipientKind.OTHER:
            yield Problem(
                ("recipients", ri, "kind"),
                f"recipient {recipient.id!r} is of kind 'other' while 'sharing.third_parties' "
                "promises no third parties; use 'processor' or 'law-enforcement', or declare "
                "the sharing",
            )


def cookies_consistent(policy: Policy) -> Iterator[Problem]:
    visitor_cookies = policy.visitor_cookies()
    for ci, cookie in enumerate(policy.cookies):
        if cookie.party.value == "third" and policy.sharing.third_parties == "none":
            yield Problem(
                ("cookies", ci, "party"),
                "a third-party cookie contradicts 'sharing.third_parties: none' (use "
                "'party: first', or declare the sharing)",
            )
        if cookie.same_site == "None" and not cookie.secure:
            yield Problem(
                ("cookies", ci, "secure"),
                "a cookie with 'same_site: None' must be Secure: set 'secure: true'",
            )
    if policy.accounts.registration and not visitor_cookies:
        yield Problem(
            ("accounts", "registration"),
            "registration needs a visitor session cookie, but no visitor cookie is declared",
        )


def features_consistent(policy: Policy) -> Iterator[Problem]:
    if policy.web_logs.keep and policy.web_logs.category is None:
        yield Problem(
            ("web_logs", "category"),
            "kept web logs need the category they belong to: add 'category' with its id",
        )
    if not policy.web_logs.keep and policy.web_logs.category is not None:
        yield Problem(("web_logs", "category"), "logs are not kept; remove the category")


RULES: tuple[Rule, ...] = (
    unique_ids,
    purposes_declared,
    categories_declared,
    retention_consistent,
    consent_consistent,
    sharing_consistent,
    cookies_consistent,
    features_consistent,
)


def check(policy: Policy) -> list[Problem]:
    return [problem for rule in RULES for problem in rule(policy)]
