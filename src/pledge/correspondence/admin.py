"""The correspondence archive in the operator admin.

Lists show when, which way, from where and how large: nothing personal. A message's own page
shows its headers, text and attachments only to staff with the permission to see decrypted
personal data, and each such view is an audit event. From there staff can download an
attachment (also audited) and answer an enquiry by email; the answer is filed with it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from pledge.audit.services import audit_record
from pledge.correspondence.models import CORRESPONDENCE, Message
from pledge.correspondence.selectors import attachment_content, reading_purpose
from pledge.correspondence.services import message_answer
from pledge.vault.admin import PERMISSION, SealedFieldsAdmin
from pledge.vault.cards import find_card_numbers
from pledge.vault.fields import ERASED

_SHOWN = (("from", "From"), ("to", "To"), ("cc", "Cc"), ("reply_to", "Reply-To"))


class AnswerForm(forms.Form):
    text = forms.CharField(label="Answer", widget=forms.Textarea(attrs={"rows": 12}))

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if find_card_numbers(text):
            raise forms.ValidationError("Remove the card number: card details are never sent.")
        return text


@admin.register(Message)
class MessageAdmin(SealedFieldsAdmin):
    list_display = ("short_id", "received_at", "direction", "source", "size", "subject")
    list_filter = ("direction", "source")
    date_hierarchy = "received_at"
    fields = (
        "id",
        "subject",
        "received_at",
        "imported_at",
        "direction",
        "source",
        "size",
        "card_numbers_removed",
    )
    readonly_fields = fields
    change_form_template = "admin/correspondence/message/change_form.html"

    @admin.display(description="message")
    def short_id(self, obj: Message) -> str:
        return str(obj.pk)[:8]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # erasure and retention delete mail, under the policy's rules

    def personal_data(self, request: HttpRequest, obj: Any) -> list[tuple[str, str]] | None:
        if not request.user.has_perm(PERMISSION):
            return None
        purpose = reading_purpose(settings.POLICY)
        headers = obj.headers.reveal(purpose=purpose)
        if headers is ERASED:
            return [("Message", str(ERASED))]
        rows = [(label, ", ".join(headers[key])) for key, label in _SHOWN if headers.get(key)]
        rows += [("Subject", str(headers.get("subject", ""))), ("Date", headers.get("date", ""))]
        rows.append(("Text", obj.text.reveal(purpose=purpose)))
        for attachment in obj.attachments.all():
            meta = attachment.meta.reveal(purpose=purpose)
            rows.append(
                (f"Attachment {attachment.position + 1}", f"{meta['filename']} "
                 f"({meta['content_type']}, {attachment.size} bytes)")
            )  # fmt: skip
        if headers.get("notes"):
            rows.append(("Notes", "; ".join(headers["notes"])))
        audit_record(
            action="admin.personal_data_viewed",
            subject=obj.subject_id,
            category=CORRESPONDENCE,
            actor=f"operator:{request.user.pk}",
            detail={"model": obj._meta.label, "fields": ["headers", "text", "attachments"]},
        )
        return rows

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<uuid:pk>/attachment/<int:position>/",
                self.admin_site.admin_view(self.attachment_view),
                name="correspondence_message_attachment",
            ),
            path(
                "<uuid:pk>/answer/",
                self.admin_site.admin_view(self.answer_view),
                name="correspondence_message_answer",
            ),
        ]
        return own + super().get_urls()

    def attachment_view(self, request: HttpRequest, pk: str, position: int) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        message = get_object_or_404(Message, pk=pk)
        attachment = get_object_or_404(message.attachments, position=position)
        purpose = reading_purpose(settings.POLICY)
        content = attachment_content(attachment=attachment, purpose=purpose)
        if content is ERASED:
            return HttpResponse("This attachment has been erased.", status=410)
        audit_record(
            action="admin.personal_data_viewed",
            subject=message.subject_id,
            category=CORRESPONDENCE,
            actor=f"operator:{request.user.pk}",
            detail={"model": "correspondence.Attachment", "fields": ["content"]},
        )
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="attachment-{position + 1}"'
        return response

    def answer_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        if not (
            request.user.has_perm(PERMISSION)
            and request.user.has_perm("correspondence.change_message")
        ):
            raise PermissionDenied
        message = get_object_or_404(Message, pk=pk)
        form = AnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                message_answer(
                    message=message,
                    text=form.cleaned_data["text"],
                    purpose=reading_purpose(settings.POLICY),
                    actor=f"operator:{request.user.pk}",
                )
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "The answer was sent and filed.")
                return redirect(reverse("admin:correspondence_message_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": message,
            "form": form,
            "title": "Answer by email",
        }
        return TemplateResponse(request, "admin/correspondence/message/answer.html", context)
