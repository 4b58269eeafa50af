"""The rights app's declaration to the datamap."""

from pledge.datamap.registry import NoPersonalData, declare
from pledge.rights.models import RightsRequest

declare(
    NoPersonalData(
        RightsRequest,
        reason="a random subject id, the kind of request, its dates and its outcome per "
        "category; the address it came from is never stored (it travels sealed in the "
        "one-time link), so the proof that a request was answered keeps no one",
    ),
)
