"""Issue 18: an atlas entry's index row keeps copies of its status, author, category,
place (country, or scope) and start year, so an unfiltered search tests and counts a
candidate on that row alone (``EntryProvider.index_visibility``). A trigger on the
entry table rewrites them in the same transaction as any change of those columns,
whoever writes it; the existing rows are filled here by one UPDATE (PostgreSQL).
Afterwards run ``VACUUM FULL ANALYZE search_examplesearchindex`` (docs/benchmarks.md)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


COPY = """
    status = e.status, author_id = e.author_id, category_id = e.category_id,
    search_place = CASE WHEN e.country = '' THEN e.scope ELSE e.country END,
    start_year = e.start_year
"""

CREATE = f"""
CREATE OR REPLACE FUNCTION search_example_index_copies() RETURNS trigger AS $$
BEGIN
    UPDATE search_examplesearchindex i SET {COPY}
    FROM atlas_example e WHERE e.id = NEW.id AND i.example_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER search_example_index_copies
    AFTER UPDATE OF status, author_id, category_id, country, scope, start_year
    ON atlas_example
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.author_id IS DISTINCT FROM NEW.author_id
          OR OLD.category_id IS DISTINCT FROM NEW.category_id
          OR OLD.country IS DISTINCT FROM NEW.country
          OR OLD.scope IS DISTINCT FROM NEW.scope
          OR OLD.start_year IS DISTINCT FROM NEW.start_year)
    EXECUTE FUNCTION search_example_index_copies();
"""

DROP = """
DROP TRIGGER IF EXISTS search_example_index_copies ON atlas_example;
DROP FUNCTION IF EXISTS search_example_index_copies();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)
        schema_editor.execute(
            f"UPDATE search_examplesearchindex i SET {COPY}"
            " FROM atlas_example e WHERE e.id = i.example_id",
            params=None,
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("atlas", "0015_example_recorded_credits_and_more"),
        ("search", "0009_annotation_index_public"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="examplesearchindex",
            name="author",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="examplesearchindex",
            name="category",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="atlas.category",
            ),
        ),
        migrations.AddField(
            model_name="examplesearchindex",
            name="search_place",
            field=models.CharField(default="", max_length=8),
        ),
        migrations.AddField(
            model_name="examplesearchindex",
            name="start_year",
            field=models.SmallIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="examplesearchindex",
            name="status",
            field=models.CharField(default="", max_length=20),
        ),
        migrations.RunPython(install, uninstall),
    ]
