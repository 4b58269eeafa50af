"""Traffic in the operator admin: the report (suppressed, as everywhere), imports and rejects.

The counts table itself is never listed: its rows include groups too small to show, so the
admin's "traffic report" page is the same report ``pledge logs stats`` prints, and nothing
can be added, changed or deleted by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe

from pledge.traffic.models import DailyCount, Ingest, LogFile, Rejection
from pledge.traffic.report.html import render_body
from pledge.traffic.selectors import BUCKETS, traffic_report


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@admin.register(DailyCount)
class TrafficReportAdmin(ReadOnly):
    """The model's list page shows the report instead of rows; no single row is ever shown."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_view_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        kind = request.GET.get("bucket", "day")
        kind = kind if kind in BUCKETS else "day"
        report = traffic_report(
            kind=kind,
            first=_date(request.GET.get("from")),
            last=_date(request.GET.get("to")),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Traffic report",
            "opts": self.model._meta,
            "report": report,
            "body": mark_safe(render_body(report)),  # noqa: S308 - rendered with escape()
            "buckets": BUCKETS,
            "bucket": kind,
        }
        return TemplateResponse(request, "admin/traffic/report.html", context)


@admin.register(Ingest)
class IngestAdmin(ReadOnly):
    list_display = ("started_at", "origin", "lines_read", "counted", "bots", "duplicates",
                    "rejected", "refused", "finished_at")  # fmt: skip
    list_filter = ("origin",)
    readonly_fields = [f.name for f in Ingest._meta.fields]


@admin.register(Rejection)
class RejectionAdmin(ReadOnly):
    list_display = ("source", "line_number", "reason", "ingest")
    list_filter = ("reason",)
    search_fields = ("source",)


@admin.register(LogFile)
class LogFileAdmin(ReadOnly):
    list_display = ("path", "kind", "period", "rows", "size", "first_at", "last_at")
    list_filter = ("kind", "period")
