"""Calls into the server's own Django (the database, the vault) from beside the browser.

Playwright's synchronous API keeps an asyncio loop running in the thread that drives the
browser, and Django refuses database access from a thread with a running loop. So every
server-side step of a visit (making the synthetic customer, minting its activation link,
erasing it) runs in one worker thread of its own, with its own database connections, which
are closed when the visit ends.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import ParamSpec, TypeVar

from django.db import connections

P = ParamSpec("P")
T = TypeVar("T")


class ServerSide:
    """``with ServerSide() as server: server.call(fn, *args)`` runs ``fn`` off the loop."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="conform-server")

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return self._pool.submit(fn, *args, **kwargs).result()

    def __enter__(self) -> ServerSide:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._pool.submit(connections.close_all).result()
        self._pool.shutdown(wait=True)
