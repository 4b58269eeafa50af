"""Helpers shared by test packages: a real ``pledge serve`` process, a loopback mail server."""
