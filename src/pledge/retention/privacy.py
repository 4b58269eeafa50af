from pledge.datamap.registry import NoPersonalData, declare
from pledge.retention.models import LegalHold, SweepRun

declare(
    NoPersonalData(LegalHold, reason="a random subject id, a category and the legal reason"),
    NoPersonalData(SweepRun, reason="when sweeps ran and how much they deleted"),
)
