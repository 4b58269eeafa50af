"""One job at a time in a second thread, for the work of an import that releases the GIL.

Two stages of an import use it: the Parquet write (``store``) and the reduction of a batch of
lines (``tally``). Each runs while the calling thread parses and classifies the next chunk, on
the second core that one chunk at a time would otherwise leave idle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Background:
    """One job at a time in a second thread. A new job first waits for the last, so memory
    holds at most one job's data more. What a job works on is the job's until ``wait``
    returns; the job touches no database connection (Django's are per thread)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def run(self, work: Callable[..., None], *args: object) -> None:
        self.wait()

        def target() -> None:
            try:
                work(*args)
            except BaseException as exc:  # handed to the caller at its next ``wait``
                self._error = exc

        self._thread = threading.Thread(target=target, name=self.name, daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Until the last job is done; its error, if it failed, raised here."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error
