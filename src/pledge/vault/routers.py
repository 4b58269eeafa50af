"""Keeps key material in its own database, apart from the data it protects."""

from __future__ import annotations

from typing import Any

from django.apps import apps

KEYS = "keys"


def _in_keys(model: Any) -> bool:
    return bool(getattr(model, "in_key_database", False))


class KeyDatabaseRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return KEYS if _in_keys(model) else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return KEYS if _in_keys(model) else None

    def allow_relation(self, a: Any, b: Any, **hints: Any) -> bool | None:
        return None if _in_keys(a) == _in_keys(b) else False

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if model_name is None:
            # RunPython/RunSQL operations: only the vault's own run in the key database.
            return (db == KEYS) == hints.get("keys", False) if app_label == "vault" else db != KEYS
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return db != KEYS
        return db == KEYS if _in_keys(model) else db != KEYS
