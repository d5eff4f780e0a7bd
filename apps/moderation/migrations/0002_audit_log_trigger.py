"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit log, so not
even raw SQL or another program can rewrite history. (TRUNCATE is left alone: row
triggers do not fire for it, and test-database flushes need it. Only the table owner can
truncate.) Other databases rely on the model and queryset guards."""

from django.db import migrations

TABLE = "moderation_auditlogentry"

CREATE = f"""
CREATE OR REPLACE FUNCTION moderation_audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER moderation_audit_log_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION moderation_audit_log_refuse_change();
"""

DROP = f"""
DROP TRIGGER IF EXISTS moderation_audit_log_append_only ON {TABLE};
DROP FUNCTION IF EXISTS moderation_audit_log_refuse_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_audit_log")]

    operations = [migrations.RunPython(install, uninstall)]
