"""apps/common/prepared.py: a query compiled once, run with new values each time, gives
what the ORM's ``values_list`` gives, and still asks the database every time."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.common.prepared import PreparedQuery
from apps.sources.models import Source
from tests.factories import SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

FIELDS = ("pk", "slug", "authors", "year", "created")


def by_slug(slug):
    return Source.objects.filter(slug=slug).values_list(*FIELDS)


def test_rows_are_what_values_list_gives_for_each_value():
    query = PreparedQuery(by_slug, slug=str)
    first, second = SourceFactory(authors=["Ada", "Grace"]), SourceFactory(year=1999)
    for source in (first, second, first):
        assert query.rows(slug=source.slug) == list(by_slug(source.slug))
    # Converted like the ORM's rows: a JSON list, a timezone-aware datetime.
    assert query.rows(slug=first.slug)[0][2] == ["Ada", "Grace"]
    assert query.rows(slug=first.slug)[0][4] == first.created
    assert query.rows(slug="no-such-source") == []


def test_every_call_asks_the_database():
    query = PreparedQuery(
        lambda user_id: (
            Source.objects.filter(added_by_id=user_id).order_by("pk").values_list("slug")
        ),
        user_id=int,
    )
    user = UserFactory()
    SourceFactory(slug="one", added_by=user)
    with CaptureQueriesContext(connection) as queries:
        assert query.rows(user_id=user.pk) == [("one",)]
        SourceFactory(slug="two", added_by=user)
        assert query.rows(user_id=user.pk) == [("one",), ("two",)]
    assert sum("sources_source" in q["sql"] and "SELECT" in q["sql"] for q in queries) == 2


def test_a_value_that_is_not_one_plain_parameter_is_refused():
    twice = PreparedQuery(
        lambda slug: Source.objects.filter(slug=slug, title=slug).values_list("pk"), slug=str
    )
    with pytest.raises(ImproperlyConfigured):
        twice.rows(slug="a")
    # A small field: the ORM compiles an out-of-range integer to "no rows" (no SQL).
    compiled_away = PreparedQuery(
        lambda year: Source.objects.filter(year=year).values_list("pk"), year=int
    )
    with pytest.raises(ImproperlyConfigured):
        compiled_away.rows(year=2020)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_postgresql_keeps_a_plan_once_statement_prepared_and_answers_each_run():
    """``plan_once``: the values travel apart from the SQL, so after ``prepare_threshold``
    runs the connection keeps the statement prepared (no parsing and planning per page),
    and a prepared run still reads the rows as they are now."""
    query = PreparedQuery(by_slug, plan_once=True, slug=str)
    first, second = SourceFactory(), SourceFactory()
    for _ in range(6):
        assert query.rows(slug=first.slug) == list(by_slug(first.slug))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('"sources_source"."slug" = $1' in statement for statement in statements)
    assert query.rows(slug=second.slug) == list(by_slug(second.slug))
    Source.objects.filter(pk=second.pk).update(year=1881)
    assert query.rows(slug=second.slug)[0][3] == 1881


def test_a_logged_run_shows_its_sql_with_its_values():
    """What tests and DEBUG read from the query log (the declared-dependency test parses
    its table names) is the SQL with its values, also once the statement is prepared."""
    query = PreparedQuery(by_slug, plan_once=True, slug=str)
    source = SourceFactory()
    for _ in range(6):
        query.rows(slug=source.slug)
    expected = list(by_slug(source.slug))
    with CaptureQueriesContext(connection) as queries:
        assert query.rows(slug=source.slug) == expected
    (logged,) = queries
    assert "sources_source" in logged["sql"] and source.slug in logged["sql"]
