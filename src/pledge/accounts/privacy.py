"""The accounts app's personal data, declared to the datamap."""

from pledge.accounts.models import User
from pledge.datamap.registry import Holder, Strategy, declare
from pledge.policy import Policy


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
)
