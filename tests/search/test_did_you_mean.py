""" "Did you mean" for near misses: words of public text only, on the page and in the API,
on SQLite (difflib) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

import pytest

from apps.search import spelling
from apps.search.models import SearchTerm

pytestmark = pytest.mark.django_db

BODY = (
    "# Infrastructure\n\nCredit infrastructure in Germany.\n\n"
    "Scoring infrastructure and surveillance.\n\nSurveillance of tenants."
)


@pytest.fixture
def vocabulary(make_source):
    make_source("Surveillance infrastructure", BODY, abstract="On surveillance.")
    spelling.vocabulary_rebuild()


def test_vocabulary_holds_public_words_only(vocabulary, annotate, user, make_entry):
    annotate(user, "zyzzyvaqueen private thoughts " * 3, visibility="private")
    make_entry(user, title="Zyzzyvaqueen draft", status="draft")
    make_entry(user, title="Zyzzyvaqueen draft two", status="draft")
    spelling.vocabulary_rebuild()

    terms = set(SearchTerm.objects.values_list("term", flat=True))
    assert {"infrastructure", "surveillance"} <= terms
    assert not any(term.startswith("zyzzyva") for term in terms)


def test_api_suggests_the_near_word(client, vocabulary):
    payload = client.get("/api/search/", {"q": "infrastucture"}).json()
    assert payload["did_you_mean"] == "infrastructure"

    two = client.get("/api/search/", {"q": '"survelliance infrastucture" credit'}).json()
    assert two["did_you_mean"] == '"surveillance infrastructure" credit'


def test_nothing_to_suggest(client, vocabulary):
    assert client.get("/api/search/", {"q": "infrastructure"}).json()["did_you_mean"] is None
    assert client.get("/api/search/", {"q": "qwxzptk"}).json()["did_you_mean"] is None
    # Excluded words are not corrected.
    assert client.get("/api/search/", {"q": "zzz -infrastucture"}).json()["did_you_mean"] is None


def test_page_links_the_suggestion_keeping_filters(client, vocabulary, founding_paper):
    response = client.get("/search/", {"q": "survelliance", "kind": "passage"})
    body = response.content.decode()
    assert "Did you mean" in body
    assert "?q=surveillance&amp;kind=passage" in body or "kind=passage&amp;q=surveillance" in body


def test_a_private_word_is_never_suggested(client, vocabulary, annotate, user):
    annotate(user, "Wombatology " * 5, visibility="private")
    annotate(user, "Wombatology again", visibility="private")
    spelling.vocabulary_rebuild()
    assert client.get("/api/search/", {"q": "wombatolgy"}).json()["did_you_mean"] is None


def test_hostile_input_is_harmless(client, vocabulary):
    for q in ["infra'; DROP TABLE x; --", "%" * 50, "a" * 900, "\\\\x", "infrastucture%_"]:
        response = client.get("/api/search/", {"q": q})
        assert response.status_code == 200, q


def test_query_count(client, vocabulary, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert client.get("/api/search/", {"q": "infrastucture"}).status_code == 200
