"""Test-wide setup.

Tests that reach the database are marked ``db`` so CI can run exactly those again on
PostgreSQL, and may use every database (personal data needs the key database beside the data
database). Data and key directories: ``pledge.testing.environment``.
"""

from __future__ import annotations

import pytest

_DB_FIXTURES = {"db", "transactional_db", "client", "admin_client", "admin_user",
                "django_user_model", "live_server", "django_db_reset_sequences"}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("django_db")
        uses_db = _DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        if not (uses_db or marker):
            continue
        item.add_marker(pytest.mark.db)
        kwargs = dict(marker.kwargs) if marker else {}
        if "databases" not in kwargs:
            kwargs["databases"] = "__all__"
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _blind_index_key_per_test():
    """Each test's key database starts empty, so no test may reuse another's cached index key."""
    from pledge.vault import blind_index

    blind_index.reset_cache()
    yield
    blind_index.reset_cache()


@pytest.fixture(autouse=True)
def _rate_limits_per_test():
    """The public forms' limits count in memory; each test starts with none used."""
    from pledge.web import ratelimit

    for limiter in (ratelimit.RIGHTS_PER_ADDRESS, ratelimit.RIGHTS_PER_NETWORK):
        limiter.clear()
