"""What ``pledge serve`` makes sure of before it listens: schema, static files, an operator."""

from __future__ import annotations

from django.core.management import call_command

from pledge.accounts.selectors import operator_exists
from pledge.accounts.services import operator_create
from pledge.notices.services import notice_publish
from pledge.shop.catalogue import catalogue_seed_demo
from pledge.vault import master
from pledge.vault.routers import KEYS


def site_prepare() -> list[str]:
    """Bring the data directory up to date; return lines worth telling the operator once."""
    from django.conf import settings

    report: list[str] = []
    call_command("migrate", database=KEYS, interactive=False, verbosity=0)
    master.current(refresh=True)  # a missing or wrong master key stops start-up here
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    added = catalogue_seed_demo(printing=not settings.POLICY.accounts.registration)
    if added:
        report.append(f"pledge: demo catalogue of {added} products added (edit it in the admin)")
    if "console" in settings.MAILERS["default"]["BACKEND"]:
        report.append("pledge: no PLEDGE_SMTP_HOST: mail the site sends is printed here")
    notice = notice_publish(policy=settings.POLICY)
    report.append(f"pledge: privacy notice {notice.sha256[:12]} published")
    if not operator_exists():
        email = settings.OPERATOR_EMAIL
        password = operator_create(email=email)
        report += [
            "pledge: created the operator account (shown this once; change it after signing in)",
            f"         email:    {email}",
            f"         password: {password}",
        ]
    return report
