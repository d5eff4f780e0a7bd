"""pg_trgm powers the duplicate hint (similar titles in the same country). Only on
PostgreSQL: SQLite has no extensions and the hint falls back to word overlap there."""

from django.db import migrations


def create_extension(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [("atlas", "0002_seed_categories")]

    # No reverse: other apps (search) may rely on the extension too.
    operations = [migrations.RunPython(create_extension, migrations.RunPython.noop)]
