"""A pytest plugin loaded before Django reads its settings (``-p pledge.testing.environment``).

Every test run gets its own data and key directories, so tests never read or write the
operator's keys or data; pytest-django imports the settings before any conftest runs, which is
why this cannot live in a conftest.
"""

from __future__ import annotations

import os
import tempfile

_run_dir = tempfile.mkdtemp(prefix="pledge-test-")
os.environ.setdefault("PLEDGE_DATA_DIR", os.path.join(_run_dir, "data"))
os.environ.setdefault("PLEDGE_KEY_DIR", os.path.join(_run_dir, "keys"))
os.environ["PLEDGE_TESTING"] = "1"
