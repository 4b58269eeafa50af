"""Snapshots of the data database: taken for an archive, checked, and loaded back.

SQLite uses its online backup API in both directions, through the connection Django already
has: a consistent copy while the site runs, and a restore that replaces the whole database in
one SQLite transaction (all of the snapshot or none of it). The same code serves a database
file and the in-memory database of the test suite; only the connection differs.

PostgreSQL uses ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists`` in a single
transaction, with the connection settings Django uses (as ``dbshell`` passes them). Only the
data database is ever dumped: the key database is another database, never a schema of this one.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class SnapshotBroken(Exception):
    """A snapshot could not be taken, does not check out, or could not be loaded."""


@dataclass(frozen=True, slots=True)
class Checked:
    """What a checked snapshot holds, in words an operator can compare with the site."""

    vendor: str
    size: int
    tables: int
    check: str


def member(vendor: str) -> str:
    try:
        return MEMBER[vendor]
    except KeyError:
        raise SnapshotBroken(f"backups of {vendor} databases are not supported") from None


def dump(connection: BaseDatabaseWrapper, target: Path) -> None:
    """Write a consistent snapshot of the database behind ``connection`` to ``target``."""
    if connection.in_atomic_block:
        raise SnapshotBroken("a backup holds committed data only: take it outside a transaction")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(target)) as copy:
            connection.connection.backup(copy)
            # A snapshot that stands alone: no write-ahead log beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        return
    member(connection.vendor)
    _pg(connection, "pg_dump", ["--format=custom", f"--file={target}"])


def check(vendor: str, path: Path) -> Checked:
    """Prove a snapshot readable: SQLite's integrity check, or pg_restore reading its catalogue."""
    if vendor == "sqlite":
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                result = [row[0] for row in db.execute("PRAGMA integrity_check")]
                names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise SnapshotBroken(f"the SQLite snapshot does not open ({exc})") from None
        if result != ["ok"]:
            raise SnapshotBroken(f"the SQLite snapshot fails its integrity check: {result[:3]}")
        if "django_migrations" not in names:
            raise SnapshotBroken("the SQLite snapshot is not a pledge database")
        tables = sum(1 for name in names if not name.startswith("sqlite_"))
        return Checked(vendor, path.stat().st_size, tables, "integrity_check ok")
    member(vendor)
    listing = _run(["pg_restore", "--list", str(path)], env=None)
    entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
    tables = sum(1 for line in entries if " TABLE DATA " in line)
    if not tables:
        raise SnapshotBroken("the PostgreSQL dump holds no table data")
    return Checked(
        vendor, path.stat().st_size, tables, f"pg_restore --list: {len(entries)} entries"
    )


def load(connection: BaseDatabaseWrapper, source: Path) -> None:
    """Replace everything in the database behind ``connection`` with the snapshot."""
    if connection.in_atomic_block:
        raise SnapshotBroken("a restore cannot run inside a transaction")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as snapshot:
                snapshot.backup(connection.connection)
        except sqlite3.Error as exc:
            raise SnapshotBroken(f"the database could not be replaced ({exc})") from None
        return
    member(connection.vendor)
    # The site's own connection holds no lock between transactions; closing it anyway means
    # nothing it cached survives the tables being dropped and made again.
    connection.close()
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    _pg(connection, "pg_restore", options, positional=[str(source)])


def _pg(
    connection: BaseDatabaseWrapper,
    program: str,
    options: list[str],
    *,
    positional: tuple[str, ...] | list[str] = (),
) -> None:
    """Run a PostgreSQL client program against this connection's database.

    Host, port, user and database go as flags; password and TLS settings in the environment,
    as Django's dbshell passes them.
    """
    settings = connection.settings_dict
    _, env = connection.client.settings_to_cmd_args_env(settings, [])
    flags = [
        f"--{flag}={value}"
        for flag, value in (
            ("host", settings.get("HOST")),
            ("port", settings.get("PORT")),
            ("username", settings.get("USER")),
        )
        if value
    ]
    flags.append(f"--dbname={settings['NAME']}")
    _run([program, *flags, *options, *positional], env=env)


def _run(command: list[str], *, env: dict[str, str] | None) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed programs, arguments from settings
            command,
            env={**os.environ, **env} if env else None,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise SnapshotBroken(
            f"{command[0]} is not installed: install the PostgreSQL client programs of the "
            "server's major version"
        ) from None
    if done.returncode != 0:
        raise SnapshotBroken(f"{command[0]} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout
