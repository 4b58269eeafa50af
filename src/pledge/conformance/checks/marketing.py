"""Marketing as the policy allows it: not at all (AL3), or stopped from the account page at
once (JC13).

Under a policy with no marketing purpose, no page of the visit may offer a marketing sign-up
(a field, box or form whose name, label or address speaks of marketing, newsletters, offers or
promotions), and the stores may hold no marketing choice at all: a site that asks nobody has
nothing to record. Under a policy with marketing, the synthetic customer ticks the account
page's box, saves, unticks it and saves again; after each save the page, the consent on record
and the marketing list itself (what ``pledge marketing list`` sends to) must already show the
change, with no delay and no batch in between.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pledge.accounts.models import ConsentRecord
from pledge.accounts.services import MARKETING
from pledge.conformance.checks.base import (
    SiteCheck,
    SiteContext,
    StoreCheck,
    StoreContext,
    plural,
    site_check,
    store_check,
)
from pledge.conformance.checks.journey import JourneyCheck
from pledge.conformance.record import Field, Form, same_origin
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy

# Words that make a form control a marketing sign-up, matched as whole words of its name, id,
# label or its form's address (names split at case changes, digits and punctuation).
MARKETING_WORDS = (
    "marketing",
    "newsletter",
    "newsletters",
    "mailing list",
    "offer",
    "offers",
    "promotion",
    "promotions",
    "promotional",
    "promo",
    "promos",
    "advertising",
)
_WORDS = re.compile(r"\b(" + "|".join(re.escape(w) for w in MARKETING_WORDS) + r")\b")
_SHOWN = 20  # stored choices listed one by one; the rest are counted


def _plain(text: str) -> str:
    """'newsletterOptIn' and 'newsletter_opt_in' both read 'newsletter opt in'."""
    split = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return re.sub(r"[^a-z]+", " ", split.lower()).strip()


def marketing_words(*texts: str) -> list[str]:
    """The marketing words found in ``texts``, each once, in order."""
    found = [m[1] for text in texts for m in _WORDS.finditer(_plain(text))]
    return list(dict.fromkeys(found))


def _field_words(field: Field) -> list[str]:
    return marketing_words(field.name, field.id, field.label)


def _described(field: Field) -> str:
    kind = field.type if field.tag == "input" else field.tag
    name = field.name or field.id or "(unnamed)"
    label = f" labelled {field.label!r}" if field.label else ""
    return f"{kind} {name!r}{label}"


def _form_finding(form: Form) -> str | None:
    """What makes the form a marketing sign-up, or None when nothing does."""
    path = urlsplit(form.action).path
    fields = [f for f in form.fields if _field_words(f)]
    address = marketing_words(path)
    if not fields and not address:
        return None
    words = marketing_words(path, *(t for f in fields for t in (f.name, f.id, f.label)))
    asks = "; ".join(_described(f) for f in fields) or f"its address speaks of {words[0]}"
    return f"a form posting to {path} asks for marketing ({', '.join(words)}): {asks}"


def _no_marketing_statement(policy: Policy) -> str:
    """The policy's own sentence about marketing, where its summary has one."""
    if policy.has_marketing:
        return "no such promise: the policy declares a marketing purpose"
    sentences = re.split(r"(?<=\.)\s+", " ".join(policy.summary.split()))
    said = next((s for s in sentences if "marketing" in s.lower()), None)
    return said or "the policy declares no marketing purpose: nothing is collected for marketing"


def _marketing_n_a(policy: Policy) -> str | None:
    if policy.has_marketing:
        return "the policy declares a marketing purpose (see marketing.opt_in, marketing.change)"
    return None


@site_check
class NoMarketingSignUp(SiteCheck):
    id = "marketing.none"
    title = "No page offers a marketing or newsletter sign-up"
    clauses = ("AL3",)

    def promise(self, policy: Policy) -> str:
        return _no_marketing_statement(policy)

    def not_applicable(self, context: SiteContext) -> str | None:
        return _marketing_n_a(context.policy)

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        pages = [p for p in visit.pages if same_origin(p.url, visit.url)]
        found: list[Evidence] = []
        forms = fields = 0
        for page in pages:
            for form in page.forms:
                forms += 1
                fields += len(form.fields)
                finding = _form_finding(form)
                if finding:
                    found.append(Evidence(finding, page.url))
            for field in page.loose_fields:
                fields += 1
                if words := _field_words(field):
                    found.append(
                        Evidence(
                            f"a {_described(field)} outside any form asks for marketing "
                            f"({', '.join(words)})",
                            page.url,
                        )
                    )
        if found:
            return Verdict.broken(
                "a marketing sign-up is offered though the policy declares no marketing purpose",
                found,
            )
        return Verdict.kept(
            f"none of the {plural(len(pages), 'page')} offers a marketing sign-up "
            f"({plural(forms, 'form')}, {plural(fields, 'control')} read)",
            [
                Evidence(
                    f"words looked for in names, labels and form addresses: "
                    f"{', '.join(MARKETING_WORDS)}"
                )
            ],
        )


@store_check
class NoMarketingStored(StoreCheck):
    id = "stores.marketing"
    title = "No marketing choice is stored"
    clauses = ("AL3",)

    def promise(self, policy: Policy) -> str:
        return _no_marketing_statement(policy)

    def not_applicable(self, context: StoreContext) -> str | None:
        return _marketing_n_a(context.policy)

    def verdict(self, context: StoreContext) -> Verdict:
        table = ConsentRecord._meta
        records = ConsentRecord.objects.filter(purpose=MARKETING).order_by("at")
        given = records.filter(given=True).count()
        total = records.count()
        where = f"{table.label} (purpose {MARKETING!r})"
        if not total:
            return Verdict.kept(
                "no marketing consent or refusal is stored", [Evidence("0 records", where)]
            )
        evidence = [
            Evidence(
                f"{'consent to' if r.given else 'refusal of'} marketing recorded on "
                f"{r.at:%Y-%m-%d %H:%M} UTC from the {r.form} form",
                f"{table.label} {r.pk}",
            )
            for r in records[:_SHOWN]
        ]
        if total > _SHOWN:
            evidence.append(Evidence(f"and {total - _SHOWN} more", where))
        return Verdict.broken(
            f"{plural(total, 'marketing choice')} stored ({given} given, {total - given} "
            "refused) though the policy declares no marketing purpose",
            evidence,
        )


@site_check
class MarketingChange(JourneyCheck):
    id = "marketing.change"
    title = "A marketing choice changed on the account page takes effect at once"
    clauses = ("JC13",)

    def promise(self, policy: Policy) -> str:
        marketing = [p for p in policy.purposes if p.marketing]
        if not marketing:
            return "no marketing"
        return marketing[0].withdraw or "marketing stops when the customer updates their account"

    def not_applicable(self, context: SiteContext) -> str | None:
        if not context.policy.has_marketing:
            return "the policy declares no marketing purpose"
        return super().not_applicable(context)

    def verdict(self, context: SiteContext) -> Verdict:
        visit = self.visit_of(context)
        steps = [s for s in visit.journey if "marketing" in s.name]
        evidence = [Evidence(f"{s.name}: {s.detail}", s.url) for s in steps]
        changes = visit.journey_facts.get("marketing_changes")
        unsaved = [s for s in steps if not s.ok]
        if not steps or not isinstance(changes, list):
            earlier = next((s for s in visit.journey if not s.ok), None)
            why = f"'{earlier.name}' failed" if earlier else "the journey did not reach it"
            return Verdict.error(f"the marketing choice was not changed: {why}")
        if unsaved and not unsaved[0].detail.startswith("not attempted"):
            return Verdict.broken(
                f"the account page did not save the change ({unsaved[0].name}: "
                f"{unsaved[0].detail})",
                evidence,
            )
        if unsaved:
            return Verdict.error(f"the marketing choice was not changed: {unsaved[0].detail}")
        if not changes:
            return Verdict.broken("the account page offers no marketing choice", evidence)
        late = [problem for change in changes for problem in _not_in_effect(change)]
        if late:
            first = late[0].text
            return Verdict.broken(
                f"a marketing change on the account page did not take effect at once: {first}",
                late + evidence,
            )
        return Verdict.kept(
            "opting in and then out on the account page each took effect at once: the box, the "
            "consent on record and the marketing list followed each change",
            evidence,
        )


_BOX = {True: "ticked", False: "unticked", None: "missing"}
_RECORD = {True: "given", False: "not given", None: "none"}


def _not_in_effect(change: dict[str, object]) -> list[Evidence]:
    """What did not yet show the change, read straight after saving it."""
    wanted, what, where = change["wanted"] is True, str(change["change"]), str(change["url"])
    shown, recorded = change.get("shown"), change.get("recorded")
    problems = []
    if shown is not wanted:
        state = _BOX.get(shown if isinstance(shown, bool) else None)
        problems.append(f"after saving '{what}' the account page shows the box {state}")
    if bool(recorded) is not wanted:
        on_record = _RECORD.get(recorded if isinstance(recorded, bool) else None)
        problems.append(f"after saving '{what}' the marketing consent on record is {on_record}")
    if bool(change.get("listed")) is not wanted:
        still = "still" if not wanted else "not"
        problems.append(f"after saving '{what}' the customer is {still} on the marketing list")
    return [Evidence(p, where) for p in problems]
