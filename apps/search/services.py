"""Writes for search: keeping the stored vectors in step with the rows they index.

The content apps call these from their event subscribers, once the write has committed
(``source.version_ready``, ``annotation.created``/``updated``/``deleted``,
``entry.text_changed``; ADR 0008): no service indexes inline.

The vectors are computed by PostgreSQL (``to_tsvector`` with weights) in one statement
per call, whatever the number of passages. On other databases these functions do nothing:
the SQLite fallback searches the rows themselves.
"""

from __future__ import annotations

import functools

from django.db import connection, transaction

from apps.common import http_cache

from . import languages
from .models import (
    AnnotationSearchIndex,
    ExampleSearchIndex,
    PassageSearchIndex,
    SourceSearchIndex,
)
from .providers import SEARCH_CONFIG, is_postgres


def _invalidates(index_model):
    """Raw SQL sends no model signal: the search payloads (page, API, facets) read this
    index, so its HTTP-cache version is bumped after each upsert (ADR 0007)."""

    def decorate(upsert):
        @functools.wraps(upsert)
        def wrapper(*args, **kwargs):
            upsert(*args, **kwargs)
            http_cache.invalidate(index_model)

        return wrapper

    return decorate


# A source and its passages are indexed in the source's language (languages.py); every
# vector also holds the CJK bigrams of its texts, with the same weight.
_SOURCE_LANGUAGE = languages.language_sql("s.language")
_SOURCE_CONFIG = languages.config_sql(_SOURCE_LANGUAGE)


def _with_bigrams(config: str, text_sql: str) -> str:
    return (
        f"(to_tsvector({config}, {text_sql})"
        f" || to_tsvector({config}, search_cjk_bigrams({text_sql})))"
    )


_SOURCE_VECTOR = f"""
    setweight({_with_bigrams(_SOURCE_CONFIG, "coalesce(s.title, '')")}, 'A')
    || setweight(to_tsvector({_SOURCE_CONFIG}, coalesce(s.authors::text, '')), 'A')
    || setweight({_with_bigrams(_SOURCE_CONFIG, "coalesce(s.abstract, '')")}, 'B')
    || setweight(to_tsvector({_SOURCE_CONFIG},
                 coalesce(s.venue, '') || ' ' || coalesce(s.publisher, '')), 'C')
"""

_PASSAGE_VECTOR = f"""
    CASE WHEN p.kind = 'heading'
         THEN setweight({_with_bigrams(_SOURCE_CONFIG, "p.text")}, 'A')
         ELSE setweight({_with_bigrams(_SOURCE_CONFIG, "coalesce(p.section, '')")}, 'B')
              || setweight({_with_bigrams(_SOURCE_CONFIG, "p.text")}, 'C')
    END
"""


# jsonb list of tags -> one text; ``country:DE`` becomes the words "country" and "de".
_ANNOTATION_VECTOR = f"""
    setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(
        (SELECT string_agg(tag, ' ') FROM jsonb_array_elements_text(a.tags) AS tag), '')), 'A')
    || setweight({_with_bigrams(f"'{SEARCH_CONFIG}'", "a.body")}, 'B')
    || setweight({_with_bigrams(f"'{SEARCH_CONFIG}'", "a.exact")}, 'C')
"""

_EXAMPLE_VECTOR = f"""
    setweight({_with_bigrams(f"'{SEARCH_CONFIG}'", "e.title")}, 'A')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(
        (SELECT place.name FROM jsonb_each_text(%s::jsonb) AS place(code, name)
         WHERE place.code = e.country), '')), 'A')
    || setweight({_with_bigrams(f"'{SEARCH_CONFIG}'", "e.summary")}, 'B')
    || setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(
        (SELECT string_agg(ev.title, ' ') FROM atlas_evidence ev WHERE ev.example_id = e.id),
        '')), 'C')
"""


@_invalidates(SourceSearchIndex)
def _upsert_sources(where: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO search_sourcesearchindex (source_id, vector, language)
            SELECT s.id, {_SOURCE_VECTOR}, {_SOURCE_LANGUAGE} FROM sources_source s
            WHERE {where}
            ON CONFLICT (source_id)
            DO UPDATE SET vector = EXCLUDED.vector, language = EXCLUDED.language
            """,
            params,
        )


@_invalidates(PassageSearchIndex)
def _upsert_passages(where: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO search_passagesearchindex (passage_id, vector, language, document_id)
            SELECT p.id, {_PASSAGE_VECTOR}, {_SOURCE_LANGUAGE}, p.document_id
            FROM sources_passage p
            JOIN sources_document d ON d.id = p.document_id
            JOIN sources_source s ON s.id = d.source_id
            WHERE {where}
            ON CONFLICT (passage_id)
            DO UPDATE SET vector = EXCLUDED.vector, language = EXCLUDED.language,
                          document_id = EXCLUDED.document_id
            """,
            params,
        )


@_invalidates(AnnotationSearchIndex)
def _upsert_annotations(where: str, params: list) -> None:
    # Deleted annotations are never found: their rows go (and are not written). One
    # statement (the DELETE as a data-modifying WITH): each annotation write runs it on
    # commit, and on a busy machine every round trip waits for PostgreSQL (make load's
    # writers: docs/benchmarks.md, "Live readers under make load"). The two parts touch
    # different annotations (deleted or not), so seeing the same snapshot is enough.
    # ``public``: the anonymous rule of annotations.selectors.visibility_q (public,
    # shown); the other copies let a candidate be tested and counted on this row.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH gone AS (
                DELETE FROM search_annotationsearchindex WHERE annotation_id IN (
                    SELECT a.id FROM annotations_annotation a
                    WHERE ({where}) AND a.deleted_at IS NOT NULL)
            )
            INSERT INTO search_annotationsearchindex
                (annotation_id, vector, public, author_id, source_id, tags)
            SELECT a.id, {_ANNOTATION_VECTOR},
                   a.visibility = 'public' AND NOT a.hidden AND NOT a.awaiting_approval,
                   a.author_id, a.source_id, a.tags
            FROM annotations_annotation a
            WHERE ({where}) AND a.deleted_at IS NULL
            ON CONFLICT (annotation_id) DO UPDATE SET
                vector = EXCLUDED.vector, public = EXCLUDED.public,
                author_id = EXCLUDED.author_id, source_id = EXCLUDED.source_id,
                tags = EXCLUDED.tags
            """,
            params + params,
        )


def _country_names_json() -> str:
    """{code: English name} of every country: an entry's country name is in its vector
    with a title's weight, so "Germany" or "credit scoring Germany" finds and ranks
    entries about Germany even when their text does not name it (issue 18: exact-match
    boost for country names). English, like the search configuration."""
    import json

    from django.utils import translation
    from django_countries import countries

    with translation.override("en"):
        return json.dumps({code: str(name) for code, name in countries})


# The entry's columns copied onto its index row (search.ExampleSearchIndex; the same
# list as the trigger of search migration 0010).
_EXAMPLE_COPIES = "status, author_id, category_id, search_place, start_year"
_EXAMPLE_COPIED = (
    "e.status, e.author_id, e.category_id,"
    " CASE WHEN e.country = '' THEN e.scope ELSE e.country END, e.start_year"
)


@_invalidates(ExampleSearchIndex)
def _upsert_examples(where: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO search_examplesearchindex
                (example_id, vector, {_EXAMPLE_COPIES})
            SELECT e.id, {_EXAMPLE_VECTOR}, {_EXAMPLE_COPIED}
            FROM atlas_example e WHERE {where}
            ON CONFLICT (example_id) DO UPDATE SET vector = EXCLUDED.vector,
                {", ".join(f"{c} = EXCLUDED.{c}" for c in _EXAMPLE_COPIES.split(", "))}
            """,
            [_country_names_json(), *params],
        )


@transaction.atomic
def search_index_document(*, document_id: int) -> None:
    """Index a document version's passages and its source's metadata.

    Called when a version becomes current (``source.version_ready``). Idempotent:
    running it again rewrites the same vectors.
    """
    if not is_postgres():
        return
    _upsert_passages("p.document_id = %s", [document_id])
    _upsert_sources("s.id = (SELECT source_id FROM sources_document WHERE id = %s)", [document_id])


@transaction.atomic
def search_index_source(*, source_id: int) -> None:
    """Re-index a source's metadata; call after editing its title, authors, abstract or
    language (a new language re-indexes its passages too)."""
    if not is_postgres():
        return
    before = SourceSearchIndex.objects.filter(source_id=source_id).values_list("language").first()
    _upsert_sources("s.id = %s", [source_id])
    after = SourceSearchIndex.objects.filter(source_id=source_id).values_list("language").first()
    if before != after:
        # A new language: its passages are stemmed (and matched) with another configuration.
        _upsert_passages(
            "p.document_id IN (SELECT id FROM sources_document WHERE source_id = %s)", [source_id]
        )


def search_index_annotation(*, annotation_id: int) -> None:
    """(Re-)index one annotation, or drop it from the index once it is deleted: one
    statement, atomic by itself (no transaction of its own: a BEGIN and a COMMIT were two
    more round trips for each annotation write).

    Called after the annotation services (create, reply, update, delete) commit. Hiding,
    restoring and approving change who may see it, not what it says: the row's
    ``public`` copy follows them through a trigger (``AnnotationSearchIndex``), and the
    rest of visibility is applied when searching (``annotations.selectors``).
    """
    if not is_postgres():
        return
    _upsert_annotations("a.id = %s", [annotation_id])


@transaction.atomic
def search_index_example(*, example_id: int) -> None:
    """(Re-)index one atlas entry with its evidence titles. Called after the atlas
    services that write its text commit (create, update, trusted import, merge). Status changes need no call:
    who may find an entry is decided when searching (``atlas.selectors``)."""
    if not is_postgres():
        return
    _upsert_examples("e.id = %s", [example_id])


_REINDEXERS = {
    "source": _upsert_sources,
    "passage": _upsert_passages,
    "annotation": _upsert_annotations,
    "entry": _upsert_examples,
}


@transaction.atomic
def search_reindex_all(*, kinds: tuple[str, ...] = tuple(_REINDEXERS)) -> None:
    """Rebuild every stored vector of the given kinds (after changing the weights, or for
    rows written around the services, e.g. edits in the admin)."""
    if not is_postgres():
        return
    for kind in kinds:
        _REINDEXERS[kind]("TRUE", [])
