"""Opening many sealed values of one subject for one statutory purpose, each key fetched once.

``Sealed.reveal`` looks up and unwraps the data key for every value it opens: one key-database
query per value, about 2,000 values a second (bench/vault_bench.py). A copy of everything held
about a customer with 10,000 orders opens some 40,000 values, so the copy would take twenty
seconds. The ``Opener`` does what ``EncryptedField.open`` does (the field's own key reference,
associated data and payload conversion, the vault's ``crypto.unseal``, the purpose check) but
remembers each key for the length of one bundle. Keys live in memory only as long as the
opener; a shredded key still reads as ``ERASED``.
"""

from __future__ import annotations

from typing import Any

from pledge.vault import crypto, keyring
from pledge.vault.fields import ERASED, EncryptedField, TamperedField
from pledge.vault.purposes import purpose_check


class Opener:
    def __init__(self, *, purpose: str):
        self.purpose = purpose
        self._keys: dict[tuple[str, object], bytes | None] = {}
        self._checked: set[str] = set()

    def open(self, field: EncryptedField, row: Any, stored: bytes) -> Any:
        """The plain value of ``stored`` from ``field`` of ``row`` (an instance or a stand-in
        with the model's ``_meta``, ``pk`` and the field's key attributes)."""
        if field.category not in self._checked:
            purpose_check(category=field.category, purpose=self.purpose, where=field.where(row))
            self._checked.add(field.category)
        if field.subject_attr is not None:  # the common case, without building a KeyRef
            handle = (field.category, getattr(row, field.subject_attr))
        else:
            handle = (field.category, field.key_ref(row).handle)
        if handle not in self._keys:
            self._keys[handle] = keyring.get(field.key_ref(row))
        key = self._keys[handle]
        if key is None:
            return ERASED
        try:
            return field.from_bytes(crypto.unseal(key, stored, field.associated(row)))
        except crypto.SealBroken as exc:
            raise TamperedField(f"{field.where(row)}: integrity check failed ({exc})") from None
