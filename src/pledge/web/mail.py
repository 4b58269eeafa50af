"""Mail the site sends: account links and answers. Plain text, from the controller's address."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def mail_send(*, to: str, template: str, context: dict[str, object]) -> None:
    """Render ``web/mail/<template>.txt`` (first line is the subject) and send it."""
    text = render_to_string(f"web/mail/{template}.txt", {**context, "policy": settings.POLICY})
    subject, _, body = text.strip().partition("\n")
    EmailMessage(
        subject=subject.strip(),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    ).send()
