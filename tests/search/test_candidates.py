"""The sample taken from the index table first (``ModelSearchProvider._candidate_sample``,
PostgreSQL): invisible candidates never count, a bound that was reached makes the count a
lower bound, and a viewer for whom most candidates are invisible gets the visibility
rules applied first. COUNT_CAP is lowered so that a handful of rows reach the bound."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.search import contract, providers, registry
from apps.search.providers import SearchRequest, is_postgres
from apps.search.query import parse_query
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    require(is_postgres(), "the candidate sample is PostgreSQL only")


def find(viewer, q: str, kind: str = "annotation"):
    request = SearchRequest(query=parse_query(q), viewer=viewer)
    return registry.providers()[kind].find(request, limit=50, facet_names=("tag", "author"))


def test_private_candidates_are_neither_found_nor_counted(annotate, user, other_user, monkeypatch):
    monkeypatch.setattr(contract, "COUNT_CAP", 4)  # bound: 5 candidates
    public = [annotate(user, f"Wombat burrow {n}", tags=["wombats"]) for n in range(3)]
    private = [
        annotate(user, f"Wombat secret {n}", visibility="private", tags=["secret-tag"])
        for n in range(2)
    ]
    for viewer in (AnonymousUser(), other_user):
        found = find(viewer, "wombat")
        assert {pk for _score, pk in found.ranked} == {a.pk for a in public}
        assert found.total == 3
        # Annotations are tested on their index row before the bound (search 0009), so
        # the private ones never take a place in it: the three are all there are.
        assert found.exact is True
        tags = {value.value for value in found.facets["tag"]}
        assert tags == {"wombats"}, "a private annotation's tag is not a facet value"
        assert {value.count for value in found.facets["author"]} == {3}
    mine = find(user, "wombat")
    assert {pk for _score, pk in mine.ranked} == {a.pk for a in public + private}
    # Five visible candidates reached the bound: more rows with the word may exist.
    assert (mine.total, mine.exact) == (5, False)


def test_below_the_bound_the_count_is_exact(annotate, user, monkeypatch):
    monkeypatch.setattr(contract, "COUNT_CAP", 4)
    annotate(user, "Platypus bill")
    annotate(user, "Platypus egg", visibility="private")
    found = find(AnonymousUser(), "platypus")
    assert (found.total, found.exact) == (1, True)


def test_mostly_invisible_candidates_fall_back_to_visibility_first(
    annotate, user, moderator, monkeypatch
):
    monkeypatch.setattr(contract, "COUNT_CAP", 4)
    seen = annotate(user, "Echidna spines")
    for n in range(6):
        annotate(user, f"Echidna note {n}", visibility="private")
    calls = []
    original = providers.ModelSearchProvider._candidate_sample

    def spy(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(providers.ModelSearchProvider, "_candidate_sample", spy)
    # A moderator's rule (hidden public notes too) is not on the index row, so their
    # candidates are probed one by one; private notes are not theirs to see.
    found = find(moderator, "echidna")
    assert calls == [None], "five candidates, one visible: the fallback runs"
    assert [pk for _score, pk in found.ranked] == [seen.pk]
    assert (found.total, found.exact) == (1, True)


def test_phrase_candidates_keep_only_phrase_matches(annotate, user, monkeypatch):
    near = annotate(user, "Numbat termite diet")
    annotate(user, "Termite numbat diet")  # both words, not the phrase
    found = find(AnonymousUser(), '"numbat termite"')
    assert [pk for _score, pk in found.ranked] == [near.pk]
