"""Database triggers that make the audit table append-only.

The triggers stop the application, the admin and any mistaken ORM call from editing or deleting
an event; they do not stop someone with raw database access, who can drop them. That is what the
hash chain is for: such a person can change the table, but not without ``audit_verify`` seeing it.

Both functions are idempotent, so the migration can run them and tests that play the intruder
can remove and restore them. On SQLite a migration that rebuilds the table (most ALTERs do)
drops its triggers: any later migration of ``AuditEvent`` must call ``append_only_enable``
again.

TRUNCATE is not refused on PostgreSQL: Django's ``flush`` (and so every transactional test)
empties tables with it. An emptied or shortened log verifies as intact, as it would in any hash
chain without an outside anchor; that is why ``pledge audit verify`` prints the head hash.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"
MESSAGE = "audit events are append-only"

_POSTGRESQL_ENABLE = f"""
CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % on {TABLE} refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};
CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();
"""
_POSTGRESQL_DISABLE = f"""
DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};
DROP FUNCTION IF EXISTS {TABLE}_append_only();
"""

_SQLITE_ENABLE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_no_{op.lower()} BEFORE {op} ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {op} on {TABLE} refused'); END
    """
    for op in ("UPDATE", "DELETE")
]
_SQLITE_DISABLE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_{op} " for op in ("update", "delete")]


def append_only_enable(connection: BaseDatabaseWrapper) -> None:
    """Install the triggers that refuse UPDATE and DELETE on the audit table."""
    _run(connection, postgresql=[_POSTGRESQL_ENABLE], sqlite=_SQLITE_ENABLE)


def append_only_disable(connection: BaseDatabaseWrapper) -> None:
    """Remove those triggers (to reverse the migration, or to tamper on purpose in a test)."""
    _run(connection, postgresql=[_POSTGRESQL_DISABLE], sqlite=_SQLITE_DISABLE)


def _run(connection: BaseDatabaseWrapper, *, postgresql: list[str], sqlite: list[str]) -> None:
    statements = {"postgresql": postgresql, "sqlite": sqlite}.get(connection.vendor)
    if statements is None:
        raise NotImplementedError(f"no append-only triggers for {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
