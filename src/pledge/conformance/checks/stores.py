"""Store checks that read one thing each: password hashes (JC4), the datamap (AL12), the audit
trail (JC2, AL9) and which policy the stores are kept under.
"""

from __future__ import annotations

from collections import Counter

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks as django_checks

from pledge.audit.selectors import audit_verify
from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.results import Evidence, Verdict
from pledge.datamap.checks import datamap_check
from pledge.policy import Policy

ARGON2ID = "argon2$argon2id$"
LEGACY_WRAPPER = {"sha512-unsalted": "argon2_sha512$argon2id$"}


def password_scheme(encoded: str) -> str:
    """The scheme of a stored password as its prefix names it ('argon2id', 'sha1', ...)."""
    if encoded.startswith(ARGON2ID):
        return "argon2id"
    for legacy, prefix in LEGACY_WRAPPER.items():
        if encoded.startswith(prefix):
            return f"argon2id wrapping {legacy}"
    if not encoded or encoded.startswith("!"):
        return "no password"
    head = encoded.split("$", 2)
    if head[0] == "argon2" and len(head) > 1:
        return head[1]  # argon2i, argon2d: not the declared variant
    return head[0] if "$" in encoded else "an unrecognised format"


@store_check
class PasswordsHashed(StoreCheck):
    id = "stores.passwords"
    title = "Every password is stored one-way hashed with Argon2id (or the declared wrapper)"
    clauses = ("JC4",)

    def promise(self, policy: Policy) -> str:
        return policy.passwords.statement

    def verdict(self, context: StoreContext) -> Verdict:
        allowed = {"argon2id", "no password"} | {
            f"argon2id wrapping {legacy}" for legacy in context.policy.passwords.legacy
        }
        user = get_user_model()
        counts: Counter[str] = Counter()
        wrong = []
        for pk, encoded, staff in user._base_manager.values_list("pk", "password", "is_staff"):
            scheme = password_scheme(encoded or "")
            counts[scheme] += 1
            if scheme not in allowed:
                who = "staff account" if staff else "account"
                wrong.append(
                    Evidence(f"{who} {str(pk)[:8]}: {scheme} hash", f"{user._meta.label} {pk}")
                )
        tally = ", ".join(f"{n} {scheme}" for scheme, n in sorted(counts.items())) or "none"
        if wrong:
            return Verdict.broken(
                f"{plural(len(wrong), 'password')} stored with a scheme the policy does not "
                f"declare (accounts: {tally})",
                wrong,
            )
        return Verdict.kept(
            f"{plural(sum(counts.values()), 'account')}: {tally}",
            [Evidence(f"allowed: {', '.join(sorted(allowed))}", user._meta.db_table)],
        )


@store_check
class DatamapComplete(StoreCheck):
    id = "stores.datamap"
    title = "Every model is accounted for in the datamap"
    clauses = ("AL12",)

    def promise(self, policy: Policy) -> str:
        return (
            "every model and store declares what personal data it holds, so retention and "
            "erasure reach all of it"
        )

    def verdict(self, context: StoreContext) -> Verdict:
        messages = datamap_check()
        errors = [m for m in messages if m.level >= django_checks.ERROR]
        notes = [m for m in messages if m.level < django_checks.ERROR]
        evidence = [Evidence(f"{m.id}: {m.msg}", str(m.obj or "")) for m in errors]
        evidence += [Evidence(f"note {m.id}: {m.msg}") for m in notes]
        if errors:
            return Verdict.broken(f"{plural(len(errors), 'problem')} in the datamap", evidence)
        models = len(apps.get_models(include_auto_created=True))
        return Verdict.kept(
            f"all {models} models are declared, as holders or as holding no personal data",
            evidence,
        )


@store_check
class AuditIntact(StoreCheck):
    id = "stores.audit"
    title = "The audit trail is intact (pledge audit verify)"
    clauses = ("JC2", "AL9")

    def promise(self, policy: Policy) -> str:
        return (
            "every refused read, erasure, export and disclosure is recorded in a hash-chained "
            "trail that shows any alteration"
        )

    def verdict(self, context: StoreContext) -> Verdict:
        report = audit_verify()
        if report.ok:
            return Verdict.kept(
                f"the chain of {plural(report.count, 'event')} is intact",
                [Evidence(f"head {report.head}", "audit_auditevent")],
            )
        return Verdict.broken(
            f"the audit chain is broken: {plural(len(report.problems), 'problem')} in "
            f"{report.count} events",
            [
                Evidence(str(p), f"events {', '.join(map(str, p.sequences))}")
                for p in report.problems
            ],
        )


@store_check
class SamePolicy(StoreCheck):
    id = "stores.policy"
    title = "The stores are kept under the policy checked"
    clauses = ()

    def promise(self, policy: Policy) -> str:
        return f"policy {policy.id!r} ({policy.title})"

    def verdict(self, context: StoreContext) -> Verdict:
        server = settings.POLICY
        where = str(settings.POLICY_PATH)
        if server.model_dump() == context.policy.model_dump():
            return Verdict.kept(f"the server runs policy {server.id!r}", [Evidence(where)])
        return Verdict.broken(
            f"the server keeps its stores under policy {server.id!r} from {where}, not the "
            f"policy checked ({context.policy.id!r})",
            [Evidence(f"set PLEDGE_POLICY to the file checked, or check {where}")],
        )
