"""Deliberately broken sites, for the breakage tests only.

``settings`` imports pledge's own settings and puts ``middleware.Breakage`` in front of every
other middleware; ``PLEDGE_BREAK`` (a comma-separated list) says which promises it breaks. A
site is started with ``DJANGO_SETTINGS_MODULE=tests.conformance.breakage.settings``; nothing in
``src/`` knows about any of this.
"""
