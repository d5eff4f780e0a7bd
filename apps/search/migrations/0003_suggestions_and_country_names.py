"""Issue 18: an index for the search box's entry-title suggestions, and entries' stored
vectors rebuilt with their country's name (weight A, ``services._country_names_json``).

Both PostgreSQL only: SQLite has no stored vectors and scans the few rows it holds."""

from django.db import migrations

# Django's istartswith is ``UPPER(title::text) LIKE UPPER('sc%')``; text_pattern_ops lets
# the prefix use the index whatever the database's collation. Published entries only: the
# suggestions never offer anything else.
CREATE_TITLE_PREFIX_INDEX = """
    CREATE INDEX IF NOT EXISTS search_suggest_entry_title_prefix
    ON atlas_example (upper(title::text) text_pattern_ops)
    WHERE status = 'published'
"""


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TITLE_PREFIX_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_suggest_entry_title_prefix")


def reindex_entries(apps, schema_editor):
    # Migration 0005 rebuilds every stored vector: today's services write columns and
    # call a SQL function that do not exist yet at this point of the history.
    return


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_annotations_and_entries"),
        ("atlas", "0010_history_reasons_in_full"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
        migrations.RunPython(reindex_entries, migrations.RunPython.noop, elidable=True),
    ]
