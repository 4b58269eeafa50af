"""The vault's own declarations to the datamap."""

from pledge.datamap.registry import Holder, NoPersonalData, Strategy, declare
from pledge.vault.models import DataKey, MasterState, ShredEntry, Subject

declare(
    Holder(
        Subject,
        category="subject.identity",
        strategy=Strategy.ANONYMISE,
        subject="pk",
        personal_fields=("email_index",),
        description="The subject registry: a random id and the blind index of the address.",
    ),
    NoPersonalData(DataKey, reason="wrapped keys under a random subject id; destroyed at erasure"),
    NoPersonalData(MasterState, reason="which master key is current"),
    NoPersonalData(
        ShredEntry,
        reason="random ids of erased subjects and destroyed keys, kept so that restoring an "
        "old backup cannot bring an erased person back",
    ),
)
