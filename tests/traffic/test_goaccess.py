"""pledge's counts against GoAccess's on a real Apache log: each measure side by side, and every
difference predicted line by line from what each tool counts (``bench/traffic/goaccess_check.py``
does the comparison; run it by hand for the whole table)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from tests.traffic.conftest import POLICIES

from pledge.policy import load_text
from pledge.traffic.services import logs_ingest

pytestmark = pytest.mark.django_db

CHECK = Path(__file__).resolve().parents[2] / "bench" / "traffic" / "goaccess_check.py"
GOACCESS_MISSING = (
    "GoAccess is not installed: `apt-get install goaccess` (it is in .ci/packages.txt, which CI "
    "installs), or this comparison against it cannot run"
)


def goaccess_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("goaccess_check", CHECK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.clause("AL10", "JC8")
def test_counts_agree_with_goaccess_on_a_real_log_and_every_difference_is_explained(
    settings, tmp_path, real_log
):
    if shutil.which("goaccess") is None:
        pytest.skip(GOACCESS_MISSING)
    check = goaccess_check()

    def counts(log: Path, work: Path) -> tuple[dict, dict]:
        # Days as GoAccess's (it runs with TZ=UTC): the alps policy, in UTC.
        text = (
            (POLICIES / "alps.yaml").read_text().replace("time_zone: Asia/Tokyo", "time_zone: UTC")
        )
        settings.POLICY = load_text(text)
        settings.DATA_DIR = tmp_path / "data"
        run = logs_ingest(sources=[str(log)], now=check.NOW).ingest
        return check.pledge_totals(run), check.pledge_rows()

    result = check.compare(real_log, tmp_path, counts)

    table = check.markdown(result)
    assert result.unexplained() == [], table
    rows = {r.measure: r for r in result.rows}
    assert rows["lines read"].pledge == rows["valid lines"].pledge == 10_000
    per_day = [r for m, r in rows.items() if m.startswith(("requests 2015", "visitors 2015"))]
    same = [r for r in per_day if "GoAccess default" not in r.measure]
    assert len(same) == 8 and all(r.goaccess == r.pledge for r in same), table
    # pledge counts a visitor whose only requests were answered 4xx; GoAccess by default not.
    assert all(r.goaccess <= r.pledge for r in per_day if "GoAccess default" in r.measure), table
