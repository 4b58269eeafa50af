"""The access logs of the history, imported as ``pledge logs ingest`` imports them."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from pledge.demo.history import History
from pledge.demo.weblog import LogWritten, logs_write
from pledge.policy import Policy
from pledge.traffic.services import logs_ingest


@dataclass(frozen=True, slots=True)
class TrafficDone:
    files: list[LogWritten]
    read: int
    counted: int
    bots: int
    rejected: int
    refused: int


def traffic_fill(
    *, rng: random.Random, history: History, policy: Policy, directory: Path
) -> TrafficDone:
    """Write a year of logs per file and import each as of the moment its year closed.

    Imported then, a year's lines are all within the policy's keep (none refused as
    expired); the same file imported today would lose the years already due.
    """
    files = logs_write(rng=rng, history=history, policy=policy, directory=directory)
    read = counted = bots = rejected = refused = 0
    for log in files:
        result = logs_ingest(sources=[str(log.path)], now=log.imported_at.astimezone(dt.UTC))
        run = result.ingest
        read, counted, bots = read + run.lines_read, counted + run.counted, bots + run.bots
        rejected, refused = rejected + run.rejected, refused + run.refused
    return TrafficDone(files, read, counted, bots, rejected, refused)
