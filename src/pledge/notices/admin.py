from django.contrib import admin

from pledge.notices.models import NoticeVersion


@admin.register(NoticeVersion)
class NoticeVersionAdmin(admin.ModelAdmin):
    list_display = ("sha256", "policy_id", "effective", "first_served_at")
    readonly_fields = ("sha256", "policy_id", "effective", "html", "markdown", "first_served_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
