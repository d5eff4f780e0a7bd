"""Issue 18: near misses of source titles and authors found through trigram indexes.

The search's near misses (``word_similarity`` of the query with each title and author
list, at least 0.5: apps/search/providers.py, ``TRIGRAM_THRESHOLD``) were computed for
every readable source on every search: 3-5 ms at 200 sources, growing with them. The
planner picks that scan for a small table whatever the indexes, because it costs
``word_similarity`` like an addition; so the candidates come from a function that is
planned with sequential scans off and the threshold set (``sources_near_misses``), and
the search keeps its exact test on those candidates only (docs/search.md, "Near misses").
PostgreSQL only: SQLite searches with ``icontains``.
"""

from django.db import migrations

# pg_trgm's ``%>`` is word_similarity(right, left) >= pg_trgm.word_similarity_threshold.
# Keep the threshold equal to apps.search.providers.TRIGRAM_THRESHOLD (a test checks).
FORWARD = [
    "CREATE INDEX IF NOT EXISTS sources_source_title_trgm"
    " ON sources_source USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS sources_source_authors_trgm"
    " ON sources_source USING gin ((authors::text) gin_trgm_ops)",
    """
    CREATE OR REPLACE FUNCTION sources_near_misses(words text) RETURNS SETOF bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    SET enable_seqscan = off
    SET pg_trgm.word_similarity_threshold = 0.5
    AS $$
        SELECT id FROM sources_source WHERE title %> words
        UNION
        SELECT id FROM sources_source WHERE (authors::text) %> words
    $$
    """,
]
BACKWARD = [
    "DROP FUNCTION IF EXISTS sources_near_misses(text)",
    "DROP INDEX IF EXISTS sources_source_authors_trgm",
    "DROP INDEX IF EXISTS sources_source_title_trgm",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)  # "%>" is no placeholder


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql, params=None)  # "%>" is no placeholder


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0006_source_published_on"),
        # pg_trgm (TrigramExtension) is created there.
        ("search", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
