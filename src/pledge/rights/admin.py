"""The operator's view of rights requests: open, overdue and done, by statutory deadline."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from pledge.rights.deadlines import STATES
from pledge.rights.models import RightsRequest, Status
from pledge.rights.selectors import request_state
from pledge.rights.services import RequestClosed, request_complete


class StateFilter(admin.SimpleListFilter):
    """Overdue is not a column (it is open past its due date), so it is filtered on dates."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(s, s) for s in STATES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now, value = timezone.now(), self.value()
        if value == "overdue":
            return queryset.filter(status=Status.OPEN, due_at__lte=now)
        if value == "open":
            return queryset.filter(status=Status.OPEN).exclude(due_at__lte=now)
        if value == "done":
            return queryset.filter(status=Status.DONE)
        if value == "awaiting verification":
            return queryset.filter(status=Status.UNVERIFIED, link_expires_at__gt=now)
        if value == "lapsed":
            return queryset.filter(status=Status.LAPSED) | queryset.filter(
                status=Status.UNVERIFIED, link_expires_at__lte=now
            )
        return queryset


@admin.register(RightsRequest)
class RightsRequestAdmin(admin.ModelAdmin):
    list_display = (
        "reference", "kind", "channel", "state", "received_at", "verified_at", "due_at",
        "completed_at",
    )  # fmt: skip
    list_filter = (StateFilter, "kind", "channel")
    ordering = ("status", "due_at")
    search_fields = ("reference",)
    readonly_fields = (
        "id", "reference", "kind", "channel", "status", "subject", "received_at",
        "link_expires_at", "verified_at", "due_at", "completed_at", "outcome", "note",
    )  # fmt: skip
    exclude = ("link_digest",)
    actions = ["mark_done"]

    @admin.display(description="state")
    def state(self, obj: RightsRequest) -> str:
        return request_state(obj)

    @admin.action(description="Mark as answered (by hand, outside pledge)")
    def mark_done(self, request: HttpRequest, queryset: QuerySet[RightsRequest]) -> None:
        done = 0
        for item in queryset:
            try:
                request_complete(
                    request=item, note="answered by hand", actor=f"operator:{request.user.pk}"
                )
                done += 1
            except RequestClosed as exc:
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, f"{done} request(s) marked as answered.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from people (the site) or their letters (pledge rights)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record that a request was answered is kept
