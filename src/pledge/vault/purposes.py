"""Purpose-bound reads (JC2, JC9): personal data is decrypted only for a declared purpose.

The active policy lists, per category, the purposes its data serves. A read names its purpose;
one the policy does not declare for that category is refused and the refusal is audited.
A few purposes exist by law whatever a policy says: giving people their own data, answering a
lawful disclosure order, and scanning the stores for data that must not be there.
"""

from __future__ import annotations

from django.conf import settings

from pledge.audit.services import audit_record

SUBJECT_ACCESS = "subject-access"
LEGAL_DISCLOSURE = "legal-disclosure"
STORE_SCAN = "store-scan"
STATUTORY = frozenset({SUBJECT_ACCESS, LEGAL_DISCLOSURE, STORE_SCAN})


class PurposeRefused(PermissionError):
    """A read named a purpose the policy does not declare for the data's category."""


def purpose_check(*, category: str, purpose: str, where: str) -> None:
    if purpose in STATUTORY:
        return
    declared = settings.POLICY.category(category)
    allowed = list(declared.purposes) if declared else []
    if purpose in allowed:
        return
    audit_record(
        action="vault.purpose_refused",
        category=category,
        detail={"purpose": purpose, "field": where},
    )
    if declared is None:
        raise PurposeRefused(f"{where}: category {category!r} is not in the active policy")
    raise PurposeRefused(
        f"{where}: purpose {purpose!r} is not declared for category {category!r} "
        f"(declared: {', '.join(allowed)})"
    )
