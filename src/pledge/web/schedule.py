"""The server's one scheduler: periodic jobs run here, once per process, never per worker.

Each job is a plain function that decides for itself whether it is due, so running the loop
more often than needed is harmless, and a restart never skips or doubles a job.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from pledge.vault.services import master_rotate_if_due

log = logging.getLogger("pledge.schedule")
INTERVAL_SECONDS = 600


def _rotate_master(now: dt.datetime) -> None:
    if master_rotate_if_due(window=settings.POLICY.erasure_window, now=now):
        log.info("master key replaced (erasure window %s)", settings.POLICY.erasure_window)


def _purge_sessions(now: dt.datetime) -> None:
    """Server-side sessions past their idle time (the basket, JC11) leave the database."""
    from django.contrib.sessions.models import Session

    from pledge.audit.services import audit_record

    count, _ = Session.objects.filter(expire_date__lt=now).delete()
    if count:
        audit_record(action="sessions.purged", category="user.session", count=count)


def _purge_sign_in_attempts(now: dt.datetime) -> None:
    from pledge.accounts.throttle import sign_in_attempts_purge
    from pledge.audit.services import audit_record

    count = sign_in_attempts_purge(now=now)
    if count:
        audit_record(
            action="sign_in_attempts.purged", category="user.authorization.attempts", count=count
        )


def _expire_visit_salts(now: dt.datetime) -> None:
    """Each day's visit salt is destroyed once its lifetime (48 hours) has passed: within one
    scheduler round of that, not at the next daily sweep, which could be a day later."""
    from pledge.traffic.services import visit_salts_expire

    count = visit_salts_expire(now=now)
    if count:
        log.info("visit salts destroyed: %s", count)


def _cancel_unpaid_orders(now: dt.datetime) -> None:
    """Orders never paid are cancelled after ``UNPAID_ORDER_DAYS``: their retention then starts."""
    from pledge.shop.services import orders_unpaid_cancel

    count = orders_unpaid_cancel(now=now, after=dt.timedelta(days=settings.UNPAID_ORDER_DAYS))
    if count:
        log.info("unpaid orders cancelled: %s", count)


def _daily_sweep(now: dt.datetime) -> None:
    """The retention sweep, once a day at the policy's hour in the controller's time zone."""
    from zoneinfo import ZoneInfo

    from pledge.retention.models import SweepRun
    from pledge.retention.sweep import SweepBusy, sweep_run

    zone = ZoneInfo(settings.POLICY.time_zone)
    local = now.astimezone(zone)
    if local.hour < settings.POLICY.sweep_hour:
        return
    today = local.replace(hour=settings.POLICY.sweep_hour, minute=0, second=0, microsecond=0)
    if SweepRun.objects.filter(as_of__gte=today, finished_at__isnull=False).exists():
        return
    try:
        result = sweep_run(now=now, wait=False, trigger="scheduler")
    except SweepBusy:
        return  # a sweep from cron is running; it does the same work
    log.info("daily sweep: %s records deleted", result.deleted)


JOBS: tuple[Callable[[dt.datetime], None], ...] = (
    _rotate_master,
    _purge_sessions,
    _purge_sign_in_attempts,
    _expire_visit_salts,
    _cancel_unpaid_orders,
    _daily_sweep,
)


def run_due_jobs(now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    for job in JOBS:
        try:
            job(now)
        except Exception:
            # One failing job must not stop the others, nor the site.
            log.exception("scheduled job %s failed", job.__name__)


def _run_in_thread() -> None:
    """The scheduler's thread: its database connections are closed after each round."""
    try:
        run_due_jobs()
    finally:
        close_old_connections()


async def run_forever(stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.to_thread(_run_in_thread)
        try:
            await asyncio.wait_for(stop.wait(), timeout=INTERVAL_SECONDS)
        except TimeoutError:
            continue
