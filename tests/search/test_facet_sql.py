"""Facet counts that PostgreSQL cuts to the values a page shows (apps/search/facet_sql.py):
the page's facet lists must be exactly those of counting every value and cutting in
Python, ties and languages included; related rows' labels are read after grouping."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils import translation

from apps.search import sampling, selectors, statements
from apps.search.providers import is_postgres
from tests.conftest import require
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    require(is_postgres(), "the facet statements are PostgreSQL's")


def facets(q: str, **params) -> dict:
    query = QueryDict(mutable=True)
    query.update({"q": q, **params})
    request, page, size = selectors.parse_search_params(query, viewer=AnonymousUser(), strict=True)
    found = selectors.search(request=request, page=page, page_size=size, with_facets=True)
    return {
        name: [(v.value, v.label, v.count) for v in values] for name, values in found.facets.items()
    }


def uncut(monkeypatch, q: str, **params) -> dict:
    """The same facets with every value sent to Python (no cut in PostgreSQL)."""
    with monkeypatch.context() as patch:
        patch.setattr(sampling.IndexSampling, "_facet_cut", lambda self, names, only: {})
        return facets(q, **params)


def test_author_and_tag_lists_equal_counting_every_value(annotate, monkeypatch, settings):
    settings.HTTP_CACHE_BODY_SECONDS = 0  # no facet cache between the two countings
    # More authors than the page shows, most tied at one note each, with names whose
    # order differs between code points ("B" < "a" < "Ä") and a language's collation.
    names = ["b", "B", "Ä", "a", "Z", "zz", "Émile", "ä", "A", "c", "Ç", "y", "Y", "0"]
    for n, name in enumerate(names):
        author = UserFactory(display_name=name)
        for _ in range(1 + (n % 3 == 0)):
            annotate(author, "Wombat remarks.", tags=[f"t-{name.lower()}", "shared"])
    shown = facets("wombat")
    assert shown == uncut(monkeypatch, "wombat")
    assert len(shown["author"]) == selectors.FACET_VALUES_SHOWN
    # The doubled authors first, then the others by the label's code points.
    labels = [label for _value, label, _count in shown["author"]]
    assert labels == ["Y", "a", "b", "c", "Émile", "0", "A", "B", "Z", "y"]


def test_country_list_equals_counting_every_value(make_entry, user, monkeypatch, settings):
    # The country's label is translated in Python: PostgreSQL cuts by count only and
    # keeps every country tied with the last one.
    settings.HTTP_CACHE_BODY_SECONDS = 0
    for code in ["DE", "FR", "IT", "ES", "PL", "NL", "BE", "AT", "CH", "SE", "NO", "DK", "FI"]:
        make_entry(user, title=f"Numbat {code}", country=code)
    make_entry(user, title="Numbat DE again", country="DE")
    for language in ("en", "de"):
        with translation.override(language):
            shown = facets("numbat")
            assert shown == uncut(monkeypatch, "numbat")
    assert shown["country"][0][:2] == ("DE", "Deutschland")
    assert len(shown["country"]) == selectors.FACET_VALUES_SHOWN


def test_category_values_are_slugs_whichever_language_compiled_the_statement(
    make_entry, user, settings
):
    # The statement is compiled once for every language: a translated model's manager
    # would have put the first request's language into it (and its columns in another
    # order), so the value was the German name on every later request.
    settings.HTTP_CACHE_BODY_SECONDS = 0
    make_entry(user, title="Quoll scoring")
    statements._compiled.clear()
    for language in ("de", "en", "zh-hans"):
        with translation.override(language):
            values = {value for value, _label, _count in facets("quoll")["category"]}
        assert values and all(value == value.lower() and " " not in value for value in values)
