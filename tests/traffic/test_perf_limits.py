"""The memory bounds of an import change how it works, never what it counts.

An import keeps little in memory: chunks of a few MiB, tables of known values emptied past a
limit, reductions resolved in batches against sorted runs of what each day met, Parquet
written in a second thread. With every bound made tiny, so that each of those paths is taken
many times, the counts are exactly those of an import with the usual bounds.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from tests.traffic.conftest import NOW

from pledge.traffic import classify, tally
from pledge.traffic.models import DailyCount, LogFile
from pledge.traffic.services import logs_ingest

pytestmark = pytest.mark.django_db

GENERATE = Path(__file__).resolve().parents[2] / "bench" / "traffic" / "generate.py"


def _generated(path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("traffic_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with path.open("wb") as out:
        module.generate(
            out, lines=6000, clients=400, paths=300, days=3,
            start=dt.datetime(2025, 5, 10, tzinfo=dt.UTC), bot_share=0.12, v6_share=0.2,
            seed=7,
        )  # fmt: skip
    return path


def _counts() -> dict[tuple[dt.date, str, str], tuple[int, int]]:
    return {(r.day, r.dimension, r.value): (r.views, r.visitors) for r in DailyCount.objects.all()}


@pytest.mark.clause("JC8", "AL10")
def test_tiny_bounds_count_exactly_what_the_usual_ones_do(under, tmp_path, settings, monkeypatch):
    under("alps")
    log = _generated(tmp_path / "access.log")
    usual = logs_ingest(sources=[str(log)], now=NOW).ingest
    expected = _counts()
    assert usual.counted == 6000 and len(expected) > 500

    # The same lines again, as if for the first time, with every bound tiny.
    DailyCount.objects.all().delete()
    LogFile.objects.all().delete()
    settings.DATA_DIR = tmp_path / "again"
    settings.DATA_DIR.mkdir()
    monkeypatch.setattr(classify, "_CACHE_LIMIT", 60)
    monkeypatch.setattr(tally, "BATCH", 150)
    monkeypatch.setattr(tally, "PENDING_ROWS", 400)
    tiny = logs_ingest(sources=[str(log)], now=NOW, chunk_bytes=8192).ingest

    assert (tiny.counted, tiny.duplicates) == (6000, 0)
    assert _counts() == expected
    assert sum(LogFile.objects.values_list("rows", flat=True)) == 6000
