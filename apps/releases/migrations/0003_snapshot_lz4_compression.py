"""Compress the snapshot's large columns and the files' chunks with LZ4 on PostgreSQL
(14+, built with LZ4, as the Debian and official images are) instead of the default
pglz: a cut of 100,000 entries writes about 400 MB into each table, and pglz was a third
of PostgreSQL's CPU time in the cut (docs/benchmarks.md, "Releases"). Values already
stored keep their compression; only new ones use LZ4. Nothing to do on SQLite."""

from django.db import migrations

COLUMNS = [
    ("releases_releaseentry", "record"),
    ("releases_releaseentry", "csv_row"),
    ("releases_releaseentry", "geojson"),
    ("releases_releaseentry", "jsonld"),
    ("releases_releasefilechunk", "data"),
]


def _set_compression(method: str):
    def apply(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            if method == "lz4":
                # A server built without LZ4 has no such choice: keep pglz there.
                cursor.execute(
                    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                    "AND 'lz4' = ANY(enumvals)"
                )
                if cursor.fetchone() is None:
                    return
            for table, column in COLUMNS:
                cursor.execute(
                    f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}"
                )

    return apply


class Migration(migrations.Migration):
    dependencies = [("releases", "0002_release_coding")]

    operations = [
        migrations.RunPython(_set_compression("lz4"), _set_compression("default"), elidable=False)
    ]
