"""Near misses of source titles and authors (PostgreSQL, pg_trgm): the candidates come
from trigram indexes (sources migration 0007, ``sources_near_misses``) instead of a
similarity computed for every source, and they are exactly the sources whose title or
author list is similar enough, no more, no fewer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.search.providers import TRIGRAM_THRESHOLD, is_postgres
from tests.conftest import require

from .test_selectors import run

pytestmark = pytest.mark.django_db

TITLES = [
    ("Infrastructure of scoring", ["Karen Li Xan Wong"]),
    ("Schufa and the geo-scoring of tenants", ["Ada Abe", "Farah Petrov"]),
    ("Sesame Credit: a platform's score", ["Gül Costa"]),
    ("Neighbourhood ratings in Germany", ["Bo Berger"]),
]
QUERIES = [
    "infrastucture", "Karen Wongg", "Schufaa", "geo scorng", "sesame credt", "Petrov",
    "Neighborhood rating", "Gul Costa", "platfrom", "credit score", "tenants",
    "nothing alike here", "x", "信用",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _postgres_only():
    require(is_postgres(), "near misses are pg_trgm's")


def exact_near_misses(words: str) -> set[int]:
    """What the search computed for every source before the indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM sources_source WHERE GREATEST(word_similarity(%s, title::text),"
            " word_similarity(%s, authors::text)) >= %s",
            [words, words, TRIGRAM_THRESHOLD],
        )
        return {row[0] for row in cursor.fetchall()}


def indexed_near_misses(words: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sources_near_misses(%s)", [words])
        return {row[0] for row in cursor.fetchall()}


def test_the_indexed_candidates_are_exactly_the_near_misses(make_source):
    for title, authors in TITLES:
        make_source(title, "# H\n\nBody.", authors=authors)
    found = 0
    for words in QUERIES:
        assert indexed_near_misses(words) == exact_near_misses(words), words
        found += len(exact_near_misses(words))
    assert found >= 8  # the queries do find near misses


def test_the_function_uses_the_search_threshold():
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'sources_near_misses'")
        (config,) = cursor.fetchone()
    assert f"pg_trgm.word_similarity_threshold={TRIGRAM_THRESHOLD}" in config


def test_a_search_filters_by_the_candidates_and_scores_with_the_similarity(make_source):
    wong = make_source("Infrastructure of scoring", "# H\n\nBody.", authors=["Karen Li Xan Wong"])
    make_source("Something else entirely", "# H\n\nBody.", authors=["Bo Berger"])
    with CaptureQueriesContext(connection) as queries:
        (hit,) = run("Karen Wongg", kind="source").hits
    assert hit.id == wong.pk and hit.score > 0
    (sources_query,) = [q["sql"] for q in queries if 'FROM "sources_source"' in q["sql"]][:1]
    # The indexed candidates are the near misses: the condition does not compute the
    # similarity again for each (the score does, for the near misses it returns).
    condition = sources_query[sources_query.index(" WHERE ") :]
    assert "sources_near_misses(" in condition and "WORD_SIMILARITY(" not in condition
    assert "WORD_SIMILARITY(" in sources_query[: sources_query.index(" WHERE ")]
