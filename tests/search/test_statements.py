"""Search statements compiled once per shape (apps/search/statements.py, PostgreSQL): a
later search of the same shape builds no ORM query for its samples and hits, yet each
viewer gets their own visibility, and a build whose SQL depends on its values is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models.sql.compiler import SQLCompiler

from apps.search import selectors, statements
from apps.search.providers import SearchRequest, is_postgres
from apps.search.query import parse_query
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    require(is_postgres(), "the search statements are PostgreSQL only")


def search(viewer, q: str):
    request = SearchRequest(query=parse_query(q), viewer=viewer)
    return selectors.search(request=request, page_size=50)


def test_a_search_of_a_known_shape_compiles_no_orm_query(annotate, user, monkeypatch):
    annotate(user, "Wombat burrow")
    quokka = annotate(user, "Quokka smile")
    search(AnonymousUser(), "wombat")  # the first of its shape: built and compiled
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    results = search(AnonymousUser(), "quokka")
    assert [hit.id for hit in results.hits if hit.kind == "annotation"] == [quokka.pk]
    # Sources, passages, annotations and entries: samples and hits from compiled SQL.
    assert compiled == []


def test_viewers_of_one_shape_each_find_their_own_private_notes(annotate, user, other_user, client):
    mine = annotate(user, "Wombat diary", visibility="private")
    theirs = annotate(other_user, "Wombat secret", visibility="private")
    public = annotate(other_user, "Wombat burrow")
    # The same shape (signed in, no phrase), compiled on the first search, then run for
    # each viewer with their own id: never another viewer's private note.
    for viewer, expected in ((user, mine), (other_user, theirs), (user, mine)):
        found = search(viewer, "wombat")
        annotations = {hit.id for hit in found.hits if hit.kind == "annotation"}
        assert annotations == {expected.pk, public.pk}
        assert found.counts_by_kind["annotation"] == 2
    found = search(AnonymousUser(), "wombat")
    assert {hit.id for hit in found.hits if hit.kind == "annotation"} == {public.pk}
    client.force_login(other_user)
    response = client.get("/api/search/", {"q": "wombat", "kind": "annotation"})
    assert {hit["id"] for hit in response.json()["results"]} == {theirs.pk, public.pk}


def test_a_build_whose_sql_depends_on_its_values_is_refused():
    from django.db import connection

    request = SearchRequest(query=parse_query("wombat"), viewer=AnonymousUser())

    def inlined(template):
        text = template.search_text().replace("'", "''")
        return f"SELECT '{text}'", []  # noqa: S608 - the mistake under test

    with pytest.raises(ImproperlyConfigured):
        statements.prepared(("test", "inlined"), inlined, request)

    def parameter(template):
        return "SELECT %s::text, %s::text", [template.search_text(), "fixed"]

    sql, params = statements.prepared(("test", "parameter"), parameter, request)
    assert params == ["wombat", "fixed"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchone() == ("wombat", "fixed")


def test_hits_are_read_by_a_statement_postgresql_keeps_prepared(annotate, user):
    """A hit's row is found by its key, so the hits' statements are prepared on the
    server after a few runs (planning the passage's joins cost more than running them),
    and a prepared run still reads each row as it is now."""
    from django.db import connection

    from apps.annotations.models import Annotation

    note = annotate(user, "Wombat burrow")
    for _ in range(6):
        (hit,) = [h for h in search(AnonymousUser(), "wombat").hits if h.kind == "annotation"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "annotations_annotation"' in sql and "$1" in sql for sql in prepared)
    Annotation.objects.filter(pk=note.pk).update(body="Wombat tunnel, edited")
    (hit,) = [h for h in search(AnonymousUser(), "wombat").hits if h.kind == "annotation"]
    assert "tunnel" in hit.snippet


def test_prepared_hits_statements_run_on_one_generic_plan(make_source):
    """Prepared hits' statements are planned once, not on every run: left to choose,
    PostgreSQL planned the passages' hits query anew each time (1.1 ms against 0.2 ms to
    run it; apps/common/planner.py sets ``plan_cache_mode`` for every connection)."""
    from django.db import connection

    make_source("Numbat studies", "# Numbats\n\nNumbat colonies and their termites.")
    for _ in range(8):
        assert any(h.kind == "passage" for h in search(AnonymousUser(), "numbat").hits)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        plans = [
            (generic, custom)
            for sql, generic, custom in cursor.fetchall()
            if 'FROM "sources_passage"' in sql and "$1" in sql
        ]
    assert plans and all(generic and not custom for generic, custom in plans), plans
