"""Issue 18: an annotation's index row keeps whether it is public (public, shown), its
author, source and tags, so an unfiltered search tests and counts a candidate on that
row alone (``AnnotationProvider.index_visibility``). Then the stored rows are rebuilt
with today's services (PostgreSQL; SQLite keeps no index rows). Afterwards run
``VACUUM FULL ANALYZE`` on the rewritten index tables (docs/benchmarks.md).

``public`` decides who finds a note, so it must never lag behind: a trigger on the
annotation table sets it in the same transaction as any change of visibility, hidden or
awaiting approval, and drops the row when the annotation is deleted, whoever writes it
(services, admin, raw SQL). The on-commit
subscriber writes the vector and the other copies as before."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION search_annotation_index_public() RETURNS trigger AS $$
BEGIN
    IF NEW.deleted_at IS NOT NULL THEN
        -- A deleted annotation is found by nobody, its author included: its row goes.
        DELETE FROM search_annotationsearchindex WHERE annotation_id = NEW.id;
    ELSE
        UPDATE search_annotationsearchindex
        SET public = (NEW.visibility = 'public' AND NOT NEW.hidden
                      AND NOT NEW.awaiting_approval)
        WHERE annotation_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER search_annotation_index_public
    AFTER UPDATE OF visibility, hidden, awaiting_approval, deleted_at
    ON annotations_annotation
    FOR EACH ROW
    WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility
          OR OLD.hidden IS DISTINCT FROM NEW.hidden
          OR OLD.awaiting_approval IS DISTINCT FROM NEW.awaiting_approval
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION search_annotation_index_public();
"""

DROP = """
DROP TRIGGER IF EXISTS search_annotation_index_public ON annotations_annotation;
DROP FUNCTION IF EXISTS search_annotation_index_public();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def reindex(apps, schema_editor):
    """The last search migration that calls the services (moved here from 0008: one that
    adds a column they write must move this call after it). Every kind when some
    passage row still lacks its document id (0008 applied without its rebuild, or rows
    from before it), else only the annotations."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from apps.search.services import search_reindex_all

    PassageSearchIndex = apps.get_model("search", "PassageSearchIndex")
    if PassageSearchIndex.objects.filter(document__isnull=True).exists():
        search_reindex_all()
    else:
        search_reindex_all(kinds=("annotation",))


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0008_passage_index_document"),
        ("annotations", "0010_group_log_rename"),
        ("sources", "0006_source_published_on"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The passage row's document id (0008) becomes a relation in Django's eyes only,
        # so the facet paths resolve on the index: same bigint column, no constraint.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="passagesearchindex", name="document_id"),
                migrations.AddField(
                    model_name="passagesearchindex",
                    name="document",
                    field=models.ForeignKey(
                        db_constraint=False, db_index=False, null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                        to="sources.document",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="annotationsearchindex",
            name="public",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="annotationsearchindex",
            name="author",
            field=models.ForeignKey(
                db_constraint=False, db_index=False, null=True,
                on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="annotationsearchindex",
            name="source",
            field=models.ForeignKey(
                db_constraint=False, db_index=False, null=True,
                on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                to="sources.source",
            ),
        ),
        migrations.AddField(
            model_name="annotationsearchindex",
            name="tags",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(install, uninstall),
        migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True),
    ]
