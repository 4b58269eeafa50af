"""Every stored value of every model, as text, for scanning: clear columns as they are,
encrypted fields decrypted in memory, sessions decoded.

Decryption names the statutory ``store-scan`` purpose (``pledge.vault.purposes``), so every
read is one the policy allows and the plaintext never leaves this process: it is scanned and
dropped. What cannot be read (a table not created, a value that fails authentication, a key
that is missing) is reported as a gap with its place, never skipped in silence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, models

from pledge.vault.fields import ERASED, EncryptedField, TamperedField
from pledge.vault.master import MasterKeyError
from pledge.vault.purposes import STORE_SCAN

# Values nobody typed: digests, blind indexes, ids. A hex digest can hold a run of digits that
# happens to pass Luhn, which is not a card number anyone stored.
_MACHINE = re.compile(
    r"[0-9a-f]{32,}|[0-9A-F]{32,}|"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
SESSIONS = "sessions.Session"


@dataclass(frozen=True, slots=True)
class Value:
    where: str  # model, row and field
    group: str  # the app label: which part of the site keeps it
    text: str


@dataclass
class DatabaseScan:
    """Walks the data database; counts and gaps fill in as ``values()`` is consumed."""

    tables: int = 0
    values_seen: int = 0
    decrypted: int = 0
    erased: int = 0
    gaps: list[str] = field(default_factory=list)
    _no_master: bool = False

    def values(self) -> Iterator[Value]:
        for model in apps.get_models():
            meta = model._meta
            if getattr(model, "in_key_database", False) or meta.proxy or not meta.managed:
                continue  # keys are not data; proxies repeat their concrete model
            try:
                yield from self._model(model)
            except DatabaseError as exc:
                self.gaps.append(f"{meta.label}: not read ({type(exc).__name__}: {exc})")

    def _model(self, model: type[models.Model]) -> Iterator[Value]:
        meta = model._meta
        session = meta.label == SESSIONS  # its data is read decoded, not as the signed blob
        clear = [
            f
            for f in meta.concrete_fields
            if _is_text(f) and not _is_secret(model, f) and not session
        ]
        sealed = [f for f in meta.concrete_fields if isinstance(f, EncryptedField)]
        if not (clear or sealed or session):
            return
        self.tables += 1
        for row in model._base_manager.all().order_by().iterator(chunk_size=500):
            where = f"{meta.label} row {row.pk}"
            for f in clear:
                text = _text(getattr(row, f.attname))
                if text and not _MACHINE.fullmatch(text):
                    self.values_seen += 1
                    yield Value(f"{where}, {f.name}", meta.app_label, text)
            for f in sealed:
                text = self._open(row, f, where)
                if text:
                    yield Value(f"{where}, {f.name} (decrypted)", meta.app_label, text)
            if session:
                yield Value(f"{where}, session data (decoded)", meta.app_label, _session(row))

    def _open(self, row: models.Model, f: EncryptedField, where: str) -> str | None:
        if self._no_master:
            return None
        sealed = getattr(row, f.attname)
        if sealed is None:
            return None
        try:
            value = sealed.reveal(purpose=STORE_SCAN)
        except TamperedField as exc:
            self.gaps.append(f"{where}, {f.name}: does not decrypt ({exc})")
            return None
        except MasterKeyError as exc:
            self._no_master = True
            self.gaps.append(f"encrypted fields not decrypted from {where} on: {exc}")
            return None
        if value is ERASED:
            self.erased += 1
            return None
        self.values_seen += 1
        self.decrypted += 1
        return _text(value)


def _is_text(f: models.Field[Any, Any]) -> bool:
    return isinstance(f, _TEXT_FIELDS) and not isinstance(f, EncryptedField)


def _is_secret(model: type[models.Model], f: models.Field[Any, Any]) -> bool:
    """The password hash: a hash, scanned by the password check, not text anyone typed."""
    return model._meta.label == settings.AUTH_USER_MODEL and f.name == "password"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return json.dumps(value, ensure_ascii=False, default=str)


def _session(row: Any) -> str:
    try:
        return json.dumps(row.get_decoded(), ensure_ascii=False, default=str)
    except Exception:  # an undecodable session holds nothing readable
        return ""
