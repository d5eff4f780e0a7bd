"""Ranking rules of issue 18: recency breaks ties, an entry's country name counts like
its title (PostgreSQL), and words close together rank above the same words apart."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.search.providers import is_postgres
from tests.conftest import require

pytestmark = pytest.mark.django_db


def hits(q: str, **params) -> list[tuple[str, int]]:
    response = Client().get("/api/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [(hit["kind"], hit["id"]) for hit in response.json()["results"]]


def test_equal_scores_list_the_newest_first(annotate, user):
    older = annotate(user, "Bilby burrows")
    newer = annotate(user, "Bilby burrows")
    assert hits("bilby", kind="annotation") == [
        ("annotation", newer.pk),
        ("annotation", older.pk),
    ]


def test_an_entry_is_found_by_its_country_name(make_entry, user):
    require(is_postgres(), "stored vectors are PostgreSQL only")
    entry = make_entry(user, title="Kreditpunkte", summary="Scores by postcode.", country="DE")
    make_entry(user, title="Postcode scores", summary="Scores by postcode.", country="FR")
    assert hits("germany", kind="entry") == [("entry", entry.pk)]
    # And it ranks first among entries that share the other words.
    assert hits("postcode germany", kind="entry")[0] == ("entry", entry.pk)


def test_words_close_together_rank_higher(annotate, user):
    require(is_postgres(), "ts_rank_cd is PostgreSQL full-text search")
    apart = annotate(user, "Tenant rules differ by city; an unrelated note on screening.")
    together = annotate(user, "Tenant screening decides who rents.")
    assert hits("tenant screening", kind="annotation")[0] == ("annotation", together.pk)
    assert ("annotation", apart.pk) in hits("tenant screening", kind="annotation")
