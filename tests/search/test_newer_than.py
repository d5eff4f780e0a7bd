"""``SearchRequest.newer_than`` (issue 18, the saved searches' alerts): every way a kind
takes its sample honours the lower bound on its keys, so the sample holds the new rows
only, all of them, however many older rows match. COUNT_CAP is lowered so that the older
matches alone fill a plain search's sample."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.search import registry, selectors
from apps.search.providers import SearchRequest
from apps.search.query import parse_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_and_new(annotate, user, monkeypatch):
    monkeypatch.setattr("apps.search.contract.COUNT_CAP", 2)
    monkeypatch.setattr("apps.search.selectors.COUNT_CAP", 2)
    for n in range(6):
        annotate(user, f"Wallaby note number {n}", tags=["marsupials"])
    bound = registry.providers()["annotation"].newest_id()
    new = [annotate(user, f"Wallaby note, new {n}", tags=["marsupials"]) for n in range(2)]
    private = annotate(user, "Wallaby note kept private", visibility="private")
    return bound, [a.pk for a in new], private.pk


@pytest.mark.parametrize("q", ["wallaby", '"wallaby note"', "wallaby -platypus"])
@pytest.mark.parametrize("filters", [{}, {"tag": "marsupials"}])
@pytest.mark.parametrize("facet_names", [(), ("tag", "author")])
def test_every_sample_holds_the_new_rows_only(old_and_new, moderator, q, filters, facet_names):
    bound, new, private = old_and_new
    provider = registry.providers()["annotation"]
    for viewer in (AnonymousUser(), moderator):
        request = SearchRequest(
            query=parse_query(q), viewer=viewer, filters=filters, newer_than={"annotation": bound}
        )
        found = provider.find(request, limit=10, facet_names=facet_names)
        assert sorted(pk for _score, pk in found.ranked) == new
        counted = provider.find(request, limit=0)
        assert found.total == counted.total == 2
        if viewer.is_anonymous:
            # A moderator's candidates are probed after the bound (``_candidate_sample``):
            # with the private note they reach it, and the count is a lower bound.
            assert found.exact and counted.exact


def test_a_bounded_search_shares_no_compiled_statement(old_and_new):
    bound, new, _private = old_and_new
    plain = SearchRequest(query=parse_query("wallaby"), viewer=AnonymousUser())
    bounded = replace(plain, newer_than={"annotation": bound})
    for request, expected in [(plain, False), (bounded, True), (plain, False), (bounded, True)]:
        results = selectors.search(request=request, page_size=10)
        ids = {hit.id for hit in results.hits if hit.kind == "annotation"}
        assert (ids == set(new)) is expected
        assert results.count_is_exact is expected


def test_other_kinds_and_the_newest_key(make_source, monkeypatch):
    monkeypatch.setattr("apps.search.contract.COUNT_CAP", 2)
    for n in range(4):
        make_source(f"Fox study {n}", f"# H\n\nThe red fox, part {n}.")
    passages, sources = registry.providers()["passage"], registry.providers()["source"]
    bounds = {"passage": passages.newest_id(), "source": sources.newest_id()}
    new = make_source("Fox study, new", "# H\n\nThe red fox again.")
    request = SearchRequest(query=parse_query("fox"), viewer=AnonymousUser(), newer_than=bounds)
    assert [pk for _score, pk in sources.find(request, limit=10).ranked] == [new.pk]
    found = passages.find(request, limit=10)
    assert found.exact and found.ranked
    assert all(pk > bounds["passage"] for _score, pk in found.ranked)
    assert sources.newest_id() == new.pk


@pytest.mark.parametrize("q", ["wallaby", '"wallaby note"'])
@pytest.mark.parametrize("filters", [{}, {"tag": "marsupials"}])
def test_newest_match_skips_what_the_viewer_may_not_see(old_and_new, q, filters):
    """The feed's bound (``newest_match``): the private note is newer than both new ones."""
    _bound, new, _private = old_and_new
    provider = registry.providers()["annotation"]
    request = SearchRequest(query=parse_query(q), viewer=AnonymousUser(), filters=filters)
    assert provider.newest_match(request, nth=1) == new[1]
    assert provider.newest_match(request, nth=2) == new[0]
    assert provider.newest_match(request, nth=100) == 0
