"""Where an ingest spends its time, per stage (for ``--timing`` and the benchmark).

Wall time per stage, summed across chunks, as the calling thread spends it. The stages run one
after another there, so they add up to the elapsed time less start-up and what falls between
stages (reading the file). Work handed to a second thread (a chunk's Parquet, a batch's
reduction to visits) counts in its stage only where the caller waits for it.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Timing:
    """``clock``: wall time by default; ``Timing(cpu=True)`` counts the process's CPU time
    instead (every thread, polars' included), meaningful when stages do not overlap."""

    def __init__(self, *, cpu: bool = False) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._clock = time.process_time if cpu else time.perf_counter

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = self._clock()
        try:
            yield
        finally:
            elapsed = self._clock() - start
            with self._lock:
                self.seconds[stage] += elapsed

    def summary(self) -> str:
        parts = sorted(self.seconds.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in parts)
