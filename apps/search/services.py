"""Writes for search: keeping the stored vectors in step with the rows they index.

The vectors are computed by PostgreSQL (``to_tsvector`` with weights) in one statement
per call, whatever the number of passages. On other databases these functions do nothing:
the SQLite fallback searches the rows themselves.
"""

from __future__ import annotations

from django.db import connection, transaction

from .providers import SEARCH_CONFIG, is_postgres

_SOURCE_VECTOR = f"""
    setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(s.title, '')), 'A')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(s.authors::text, '')), 'A')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(s.abstract, '')), 'B')
    || setweight(to_tsvector('{SEARCH_CONFIG}',
                 coalesce(s.venue, '') || ' ' || coalesce(s.publisher, '')), 'C')
"""

_PASSAGE_VECTOR = f"""
    CASE WHEN p.kind = 'heading'
         THEN setweight(to_tsvector('{SEARCH_CONFIG}', p.text), 'A')
         ELSE setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(p.section, '')), 'B')
              || setweight(to_tsvector('{SEARCH_CONFIG}', p.text), 'C')
    END
"""


def _upsert_sources(where: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO search_sourcesearchindex (source_id, vector)
            SELECT s.id, {_SOURCE_VECTOR} FROM sources_source s WHERE {where}
            ON CONFLICT (source_id) DO UPDATE SET vector = EXCLUDED.vector
            """,
            params,
        )


def _upsert_passages(where: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO search_passagesearchindex (passage_id, vector)
            SELECT p.id, {_PASSAGE_VECTOR} FROM sources_passage p WHERE {where}
            ON CONFLICT (passage_id) DO UPDATE SET vector = EXCLUDED.vector
            """,
            params,
        )


@transaction.atomic
def search_index_document(*, document_id: int) -> None:
    """Index a document version's passages and its source's metadata.

    Called by ``document_import`` right after the passages are created, inside its
    transaction. Idempotent: running it again rewrites the same vectors.
    """
    if not is_postgres():
        return
    _upsert_passages("p.document_id = %s", [document_id])
    _upsert_sources("s.id = (SELECT source_id FROM sources_document WHERE id = %s)", [document_id])


@transaction.atomic
def search_index_source(*, source_id: int) -> None:
    """Re-index a source's metadata; call after editing its title, authors or abstract."""
    if not is_postgres():
        return
    _upsert_sources("s.id = %s", [source_id])


@transaction.atomic
def search_reindex_all() -> None:
    """Rebuild every stored vector (after changing the weights, or for rows written
    around the services, e.g. edits in the admin)."""
    if not is_postgres():
        return
    _upsert_sources("TRUE", [])
    _upsert_passages("TRUE", [])
