"""Refuse UPDATE and DELETE on the audit table, in the database itself.

Run through RunPython rather than RunSQL because the SQL differs by backend: a PL/pgSQL trigger
on PostgreSQL, a pair of RAISE(ABORT) triggers on SQLite (see ``pledge.audit.triggers``).
"""

from django.db import migrations

from pledge.audit.triggers import append_only_disable, append_only_enable


def enable(apps, schema_editor):
    append_only_enable(schema_editor.connection)


def disable(apps, schema_editor):
    append_only_disable(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(enable, disable, elidable=False)]
