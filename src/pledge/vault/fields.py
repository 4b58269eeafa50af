"""Encrypted model fields: personal data at rest only as AES-256-GCM ciphertext.

A field names its policy category and where its key comes from: the subject the row is about
(``subject="subject_id"``, an attribute holding a subject UUID) or a period of time
(``period=callable(instance) -> str``) for data that belongs to no registered subject. The
model's label, the field's name and the row's primary key are bound as associated data, so a
ciphertext copied to another row or column does not open.

Reading is explicit and names a purpose: ``instance.email.reveal(purpose="service")``. After the
key is shredded the same call returns ``ERASED``, never an exception, so list views keep
working. A value that fails authentication raises ``TamperedField`` naming model, field and row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import models

from pledge.vault import crypto, keyring
from pledge.vault.purposes import purpose_check


class Erased:
    """What a read returns once the data's key has been destroyed."""

    _instance: Erased | None = None

    def __new__(cls) -> Erased:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return "[erased]"

    def __repr__(self) -> str:
        return "ERASED"

    def __bool__(self) -> bool:
        return False


ERASED = Erased()


class TamperedField(Exception):
    """A stored ciphertext does not authenticate: altered, truncated or moved."""


class _Stored(bytes):
    """Ciphertext as it came from (or went to) the database."""


class Sealed:
    """A personal value on a model instance; opened only through ``reveal(purpose=...)``."""

    __slots__ = ("_field", "_instance", "_plain", "_stored")

    def __init__(
        self, field: EncryptedField, instance: models.Model, stored: bytes | None, plain: Any
    ):
        self._field, self._instance, self._stored, self._plain = field, instance, stored, plain

    def reveal(self, *, purpose: str) -> Any:
        field = self._field
        purpose_check(category=field.category, purpose=purpose, where=field.where(self._instance))
        if self._stored is None:
            return self._plain
        return field.open(self._instance, self._stored)

    def __str__(self) -> str:
        # Templates and logs that print a field by mistake show nothing personal.
        return "[sealed]"

    __repr__ = __str__


class _Attribute:
    def __init__(self, field: EncryptedField):
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type) -> Any:
        if instance is None:
            return self
        value = instance.__dict__.get(self.field.attname)
        if value is None:
            return None
        if isinstance(value, _Stored):
            return Sealed(self.field, instance, bytes(value), None)
        return Sealed(self.field, instance, None, value)

    def __set__(self, instance: models.Model, value: Any) -> None:
        if isinstance(value, Sealed):
            value = _Stored(value._stored) if value._stored is not None else value._plain
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.BinaryField):
    """Base of the encrypted fields; subclasses say how a value becomes bytes and back."""

    def __init__(
        self,
        *args: Any,
        category: str,
        subject: str | None = None,
        period: Callable[[Any], str] | None = None,
        **kwargs: Any,
    ):
        if (subject is None) == (period is None):
            raise TypeError("an encrypted field takes either subject= or period=")
        self.category, self.subject_attr, self.period_of = category, subject, period
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["category"] = self.category
        if self.subject_attr is not None:
            kwargs["subject"] = self.subject_attr
        else:
            kwargs["period"] = self.period_of
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        setattr(cls, self.attname, _Attribute(self))

    # --- conversions, per payload type ---------------------------------------------------

    def to_bytes(self, value: Any) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:
        raise NotImplementedError

    # --- keys and binding -----------------------------------------------------------------

    def where(self, instance: models.Model) -> str:
        return f"{instance._meta.label}.{self.name} (row {instance.pk})"

    def key_ref(self, instance: models.Model) -> keyring.KeyRef:
        if self.subject_attr is not None:
            subject = getattr(instance, self.subject_attr)
            subject = getattr(subject, "pk", subject)
            if subject is None:
                raise ValueError(f"{self.where(instance)}: no subject to encrypt under")
            return keyring.KeyRef(category=self.category, subject=subject)
        return keyring.KeyRef(category=self.category, period=self.period_of(instance))  # type: ignore[misc]

    def associated(self, instance: models.Model) -> bytes:
        return f"{instance._meta.label_lower}|{self.name}|{instance.pk}".encode()

    def seal(self, instance: models.Model, value: Any) -> bytes:
        if instance.pk is None:
            raise ValueError(f"{instance._meta.label}: encrypted rows need a primary key first")
        key = keyring.get_or_create(self.key_ref(instance))
        return crypto.seal(key, self.to_bytes(value), self.associated(instance))

    def open(self, instance: models.Model, stored: bytes) -> Any:
        key = keyring.get(self.key_ref(instance))
        if key is None:
            return ERASED
        try:
            return self.from_bytes(crypto.unseal(key, stored, self.associated(instance)))
        except crypto.SealBroken as exc:
            raise TamperedField(f"{self.where(instance)}: integrity check failed ({exc})") from None

    # --- Django plumbing -------------------------------------------------------------------

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, _Stored):
            return value
        stored = _Stored(self.seal(model_instance, value))
        model_instance.__dict__[self.attname] = stored
        return stored

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else _Stored(bytes(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, _Stored):
            return value if value is None else bytes(value)
        raise TypeError(f"{self.name}: plaintext reached the database layer unencrypted")

    def value_to_string(self, obj: models.Model) -> str:
        return "[sealed]"


class EncryptedTextField(EncryptedField):
    def to_bytes(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"{self.name} holds text, not {type(value).__name__}")
        return value.encode("utf-8")

    def from_bytes(self, data: bytes) -> str:
        return data.decode("utf-8")


class EncryptedJSONField(EncryptedField):
    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)


class EncryptedBytesField(EncryptedField):
    """File payloads (attachments, documents) held as encrypted bytes."""

    def to_bytes(self, value: Any) -> bytes:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"{self.name} holds bytes, not {type(value).__name__}")
        return bytes(value)

    def from_bytes(self, data: bytes) -> bytes:
        return data
