"""The audit trail in the admin: for reading only, since an event is never changed."""

from django.contrib import admin

from pledge.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("sequence", "occurred_at", "action", "category", "count", "rule", "actor")
    list_filter = ("action", "category", "actor")
    # Exact lookups: the admin skips a term that is not a UUID or a number for those fields.
    search_fields = ("subject__exact", "sequence__exact", "action", "rule")
    date_hierarchy = "occurred_at"
    ordering = ("-sequence",)
    # A long trail: no COUNT(*) over the whole table on every page.
    show_full_result_count = False
    readonly_fields = (
        "sequence", "occurred_at", "action", "category", "count", "rule", "subject", "actor",
        "detail", "prev_hash", "hash",
    )  # fmt: skip

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
