"""Retention: everything deleted on its schedule, and not one day early."""
