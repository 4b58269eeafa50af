"""The disclosure register's declaration to the datamap."""

from pledge.datamap.registry import NoPersonalData, declare
from pledge.disclosures.models import Disclosure

declare(
    NoPersonalData(
        Disclosure,
        reason="who received data, on what legal basis, when and how much, under a random "
        "subject id or a keyed fingerprint of a network address; the data itself went only "
        "into the encrypted export, which is not kept",
    ),
)
