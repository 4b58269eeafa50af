from pledge.datamap.registry import Holder, Strategy, declare
from tests.vaultcases.models import Dossier, LedgerEntry, PeriodNote

declare(
    Holder(
        Dossier,
        category="user.correspondence",
        strategy=Strategy.SHRED,
        subject="subject_id",
        anchor="received_at",
    ),
    Holder(
        LedgerEntry,
        category="user.behavior.purchase_history",
        strategy=Strategy.SHRED,
        subject="subject_id",
        anchor="completed_at",
    ),
    Holder(PeriodNote, category="user.behavior.browsing", strategy=Strategy.SHRED),
)
