"""Admin support for models with encrypted fields.

Staff see personal fields decrypted only with the ``vault.reveal_personal_data`` permission,
only on a record's own page, and each such view is an audit event naming the record's subject.
Lists show business columns and pseudonymous ids only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pledge.audit.services import audit_record
from pledge.vault.fields import Sealed

PERMISSION = "vault.reveal_personal_data"


class SealedFieldsAdmin(admin.ModelAdmin):
    """``sealed_fields`` maps each encrypted field to the purpose staff read it for."""

    sealed_fields: dict[str, str] = {}
    change_form_template = "admin/vault/sealed_change_form.html"

    def personal_data(self, request: HttpRequest, obj: Any) -> list[tuple[str, str]] | None:
        """The decrypted fields of ``obj`` for this request, or None without the permission."""
        if not request.user.has_perm(PERMISSION):
            return None
        rows = []
        for name, purpose in self.sealed_fields.items():
            value = getattr(obj, name)
            shown = value.reveal(purpose=purpose) if isinstance(value, Sealed) else value
            rows.append(
                (str(obj._meta.get_field(name).verbose_name), "" if shown is None else str(shown))
            )
        audit_record(
            action="admin.personal_data_viewed",
            subject=getattr(obj, "subject_id", None),
            actor=f"operator:{request.user.pk}",
            detail={"model": obj._meta.label, "fields": sorted(self.sealed_fields)},
        )
        return rows

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if obj is not None and obj.pk is not None and request.method == "GET":
            context["personal_data"] = self.personal_data(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)
