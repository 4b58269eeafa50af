"""The disclosure register in the operator admin: read-only, since entries are evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pledge.disclosures.models import Disclosure


@admin.register(Disclosure)
class DisclosureAdmin(admin.ModelAdmin):
    list_display = (
        "number", "made_at", "recipient_name", "reference", "count", "restricted", "actor",
    )  # fmt: skip
    list_filter = ("recipient", "restricted")
    search_fields = ("number", "reference")
    readonly_fields = [f.name for f in Disclosure._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made only by `pledge disclose`, which checks the policy first

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
