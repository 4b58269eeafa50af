"""The accounts app's personal data, declared to the datamap."""

from pledge.accounts.models import ConsentRecord, Profile, SignInAttempt, User
from pledge.datamap.registry import Holder, Strategy, declare
from pledge.policy import Policy


def has_accounts(policy: Policy) -> bool:
    return policy.accounts.registration


def credentials_category(policy: Policy) -> str:
    """Customers' credentials where the site has accounts; otherwise staff accounts only."""
    return "user.authorization.credentials" if policy.accounts.registration else "operator.account"


declare(
    Holder(
        User,
        category=credentials_category,
        strategy=Strategy.DELETE_ROWS,
        subject="subject_id",
        description="Sign-in: the blind index of the address and the password hash.",
    ),
    Holder(
        Profile,
        category="user.account",
        strategy=Strategy.SHRED,
        subject="subject_id",
        description="Name, email, postal address and telephone, encrypted.",
        when=has_accounts,
    ),
    Holder(
        ConsentRecord,
        category="user.consent",
        strategy=Strategy.DELETE_ROWS,
        subject="subject_id",
        # No anchor: the category counts from the account's closing, which erases these rows
        # through the erasure service; the time of a choice is not that anchor.
        description="Every marketing choice: given or withdrawn, when, where, which notice.",
        when=lambda policy: policy.has_marketing,
    ),
    Holder(
        SignInAttempt,
        category=lambda policy: (
            "user.authorization.attempts" if has_accounts(policy) else "operator.account"
        ),
        strategy=Strategy.DELETE_ROWS,
        anchor="at",
        description="Failed sign-ins as keyed fingerprints; not linkable to a person.",
    ),
)
