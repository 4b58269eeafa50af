"""The datamap's own declarations: Django's built-in models (see builtin.py)."""

from pledge.datamap import builtin  # noqa: F401
