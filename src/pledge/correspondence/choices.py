"""Choices of the correspondence models, importable without Django's settings (the parsers
and mailbox readers use them and stay pure)."""

from __future__ import annotations

from django.db import models


class Direction(models.TextChoices):
    RECEIVED = "received", "received"
    SENT = "sent", "sent by us"


class Source(models.TextChoices):
    MAILDIR = "maildir", "Maildir"
    MBOX = "mbox", "mbox"
    EML = "eml", ".eml file"
    IMAP = "imap", "IMAP"
    CONTACT_FORM = "contact-form", "the site's contact form"
    ADMIN = "admin", "written in the admin"
