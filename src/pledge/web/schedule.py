"""The server's one scheduler: periodic jobs run here, once per process, never per worker.

Each job is a plain function that decides for itself whether it is due, so running the loop
more often than needed is harmless, and a restart never skips or doubles a job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from pledge.vault.services import master_rotate_if_due

log = logging.getLogger("pledge.schedule")
INTERVAL_SECONDS = 600


def _rotate_master() -> None:
    if master_rotate_if_due(window=settings.POLICY.erasure_window):
        log.info("master key replaced (erasure window %s)", settings.POLICY.erasure_window)


JOBS: tuple[Callable[[], None], ...] = (_rotate_master,)


def run_due_jobs() -> None:
    for job in JOBS:
        try:
            job()
        except Exception:
            # One failing job must not stop the others, nor the site.
            log.exception("scheduled job %s failed", job.__name__)
        finally:
            close_old_connections()


async def run_forever(stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.to_thread(run_due_jobs)
        try:
            await asyncio.wait_for(stop.wait(), timeout=INTERVAL_SECONDS)
        except TimeoutError:
            continue
