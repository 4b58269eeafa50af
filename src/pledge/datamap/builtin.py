"""Declarations for Django's own models, which hold personal data like any other."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session

from pledge.datamap.registry import Holder, NoPersonalData, Strategy, declare
from pledge.policy import Policy


def session_category(policy: Policy) -> str:
    """Visitors' sessions belong to the basket category where the site has one."""
    return "user.session" if policy.category("user.session") else "operator.account"


declare(
    NoPersonalData(Permission, reason="names of permissions, the same for every site"),
    NoPersonalData(Group, reason="names of staff roles"),
    NoPersonalData(ContentType, reason="names of models"),
    Holder(
        Session,
        category=session_category,
        strategy=Strategy.DELETE_ROWS,
        anchor="expire_date",
        description="Server-side sessions: the basket, the form token and flash messages.",
    ),
    Holder(
        LogEntry,
        category="operator.account",
        strategy=Strategy.DELETE_ROWS,
        subject="user__subject_id",
        # Staff accounts are kept while staff work here and erased when an account closes;
        # the time of an admin action is not the category's anchor.
        description="What staff changed in the admin; object names are pseudonymous ids.",
    ),
)
