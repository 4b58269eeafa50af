"""The disclosure tests disclose the same people the rights tests ask about."""

from tests.rights.conftest import customer  # noqa: F401 - a fixture, shared
