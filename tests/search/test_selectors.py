"""Search behaviour through ``selectors.search``: ranking, snippets, visibility, filters.

Runs on SQLite (icontains fallback) and on PostgreSQL (full-text search); tests that only
make sense for one backend say so.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict

from apps.search import selectors
from apps.search.contract import FacetValue
from apps.search.providers import SearchInputError, is_postgres
from tests.conftest import require

pytestmark = pytest.mark.django_db


def run(q: str, **params):
    query = QueryDict(mutable=True)
    query["q"] = q
    for key, value in params.items():
        query[key] = str(value)
    request, page, page_size = selectors.parse_search_params(
        query, viewer=AnonymousUser(), strict=True
    )
    return selectors.search(request=request, page=page, page_size=page_size, with_facets=True)


def test_title_hit_ranks_above_body_hit(make_source):
    in_body = make_source(
        "Notes on banking",
        "# Methods\n\nThis paragraph mentions the Quokka index once, in passing.",
    )
    in_title = make_source("The Quokka index explained", "# Intro\n\nNothing relevant here.")

    results = run("quokka")

    assert [(h.kind, h.id) for h in results.hits][:1] == [("source", in_title.pk)]
    passage_hits = [h for h in results.hits if h.kind == "passage"]
    assert passage_hits and passage_hits[0].facets["source"] == in_body.slug
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)


def test_heading_passage_ranks_above_paragraph_mention(make_source):
    make_source(
        "A report",
        "# Geo-scoring in practice\n\nText about neighbourhoods.\n\n# Other\n\n"
        "A paragraph that says geo-scoring too.",
    )
    results = run("geo-scoring", kind="passage")
    assert results.hits[0].title == "Geo-scoring in practice"


def test_founding_paper_schufa_passage_links_to_its_anchor(founding_paper):
    results = run("Schufa", kind="passage")

    assert results.total >= 1
    hit = results.hits[0]
    assert hit.url.startswith(f"/sources/{founding_paper.slug}/?highlight=")
    assert "schufa" in hit.url.lower()
    assert "#p-" in hit.url
    anchor = hit.url.split("#p-")[1]
    assert founding_paper.current_document.passages.filter(
        anchor=anchor, text__contains="Schufa"
    ).exists()
    assert "<mark>Schufa</mark>" in hit.snippet


def test_snippets_escape_markup_from_the_text(make_source):
    make_source(
        "Escaping matters",
        "# Heading\n\nThe word wombat sits next to &lt;img src=x onerror=alert(1)&gt; "
        "and 5 < 6 & 7 > 3 wombat.",
        abstract="Abstract with <script>alert('wombat')</script> inside.",
    )

    results = run("wombat")

    assert results.hits
    for hit in results.hits:
        html = str(hit.snippet) + str(hit.title_html)
        assert "<script" not in html and "<img" not in html
        assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
        assert "<mark>" in html


def test_query_markup_cannot_inject_through_highlighting(make_source):
    make_source("Plain", "# H\n\nA plain wombat paragraph.")
    results = run('wombat "<b>bold</b>" <script>')
    for hit in results.hits:
        assert "<b>" not in hit.snippet and "<script" not in hit.snippet


def test_unreadable_documents_are_never_found(unreadable_sources, make_source):
    readable = make_source(
        "Zanzibar ledger, readable", "# H\n\nZanzibar ledger text that is ready."
    )

    results = run("Zanzibar ledger")

    slugs = {h.facets["source"] for h in results.hits}
    assert slugs == {readable.slug}
    with pytest.raises(SearchInputError):
        run("Zanzibar", source="failed-import")


def test_only_the_current_version_is_searched(make_source, upload_version):
    source = make_source("Versioned", "# H\n\nThe old text talks about platypus ratings.")
    upload_version(source, "# H\n\nThe new text talks about echidna ratings.")

    assert run("platypus", kind="passage").total == 0
    new_hits = run("echidna", kind="passage")
    assert new_hits.total == 1
    assert new_hits.hits[0].url.startswith(f"/sources/{source.slug}/?")


def test_filters_by_source_and_year_and_kind(make_source):
    first = make_source("Kiwi one", "# H\n\nKiwi text.", year=2019)
    make_source("Kiwi two", "# H\n\nKiwi text again.", year=2022)

    by_source = run("kiwi", source=first.slug)
    assert {h.facets["source"] for h in by_source.hits} == {first.slug}
    by_year = run("kiwi", year=2022)
    assert {h.facets["year"] for h in by_year.hits} == {2022}
    only_sources = run("kiwi", kind="source")
    assert {h.kind for h in only_sources.hits} == {"source"}
    assert only_sources.counts_by_kind["passage"] == 2  # still counted for the tabs
    facets = run("kiwi").facets
    assert {v.value for v in facets["year"]} == {2019, 2022}


def test_phrase_or_and_exclusion(make_source):
    make_source("Alpha", "# H\n\nThe red fox jumps.")
    make_source("Beta", "# H\n\nThe fox is red and sly.")

    assert run('"red fox"', kind="passage").total == 1
    assert run("red fox -sly", kind="passage").total == 1
    assert run("jumps OR sly", kind="passage").total == 2


def test_phrases_with_alternatives_and_exclusions(make_source):
    # On PostgreSQL a query with a phrase is first matched by the phrase's words (a
    # bounded sample), then checked as written: the results must be the same.
    alpha = make_source("Alpha", "# H\n\nThe red fox jumps.").slug
    beta = make_source("Beta", "# H\n\nThe fox is red and sly.").slug
    gamma = make_source("Gamma", "# H\n\nA fox alone.").slug

    def sources(q):
        results = run(q, kind="passage")
        assert results.count_is_exact
        return {h.facets["source"] for h in results.hits}

    assert sources('"red fox"') == {alpha}
    assert sources('"red fox" or sly') == {alpha, beta}
    assert sources('fox -"red fox"') == {beta, gamma}
    assert sources('"red fox" -jumps') == set()
    assert sources('sly -"red fox"') == {beta}


def test_phrase_sample_is_bounded_and_its_count_a_lower_bound_postgres(
    make_source, monkeypatch, client
):
    require(is_postgres(), "the bounded phrase sample is PostgreSQL full-text search")
    make_source("Alpha", "# H\n\nThe red fox jumps.")
    for n in range(4):
        make_source(f"Other {n}", f"# H\n\nA fox, and {n} red leaves.")
    monkeypatch.setattr("apps.search.contract.COUNT_CAP", 2)
    monkeypatch.setattr("apps.search.selectors.COUNT_CAP", 2)

    # Five passages have both words; only three are looked at.
    monkeypatch.setattr("apps.search.sampling.PHRASE_SAMPLE_FACTOR", 1)
    bounded = run('"red fox"', kind="passage")
    assert bounded.count_is_exact is False
    assert "passage" in bounded.inexact_kinds
    assert bounded.total <= 1
    assert all("red</mark> <mark>fox" in h.snippet for h in bounded.hits)
    # The page says "at least" on the tab and in the heading.
    html = client.get("/search/", {"q": '"red fox"', "kind": "passage"}).content.decode()
    assert re.search(r'Passages <span class="count">\(\d\+\)</span>', html)
    assert "More than" in html

    # A bound above the rows with both words: every one is checked, the count is exact.
    monkeypatch.setattr("apps.search.sampling.PHRASE_SAMPLE_FACTOR", 10)
    complete = run('"red fox"', kind="passage")
    assert complete.count_is_exact is True and complete.total == 1
    assert not complete.inexact_kinds


def test_samples_start_at_the_table_start_on_every_request_postgres(make_source, monkeypatch):
    # The sample of a common word is "the first 1,001 matches the scan finds": with
    # synchronized sequential scans (tables over a quarter of shared_buffers, such as the
    # full corpus's annotation index) each scan started where the previous one stopped,
    # so the same search ranked other rows on each request and page 2 did not continue
    # page 1. Every connection turns them off (apps/common/planner.py).
    require(is_postgres(), "synchronized scans are PostgreSQL's")
    from django.db import connection

    from apps.search import registry

    make_source("Alpha", "# H\n\nThe red fox jumps.")
    provider = registry.providers()["passage"]
    seen = []
    original = provider.find

    def find(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronize_seqscans")
            seen.append(cursor.fetchone()[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(provider, "find", find)
    run("fox")
    assert seen == ["off"]


@pytest.mark.parametrize(
    "q",
    ['"unbalanced', 'a "b', "((( )))", "-", "--", "or", "OR OR", "!!! & | <->", "a:*", "\x00nul"],
)
def test_odd_queries_never_fail(make_source, q):
    make_source("Anything", "# H\n\nSome text.")
    run(q)  # no exception is the assertion


def test_only_exclusions_is_an_empty_state_not_everything(make_source):
    make_source("Anything", "# H\n\nSome text.")
    results = run("-text")
    assert results.total == 0 and results.message


def test_near_miss_spelling_of_title_and_author_postgres(make_source):
    require(is_postgres(), "trigram similarity needs PostgreSQL (pg_trgm)")
    source = make_source("Infrastructure of scoring", "# H\n\nBody.", authors=["Karen Li Xan Wong"])
    assert [h.id for h in run("infrastucture", kind="source").hits] == [source.pk]
    assert [h.id for h in run("Karen Wongg", kind="source").hits] == [source.pk]
    assert run("infrastucture -body", kind="source").total == 1  # excluded word absent
    assert run("infrastucture -scoring", kind="source").total == 0


def test_stemming_postgres(make_source):
    require(is_postgres(), "stemming is PostgreSQL full-text search")
    make_source("Stems", "# H\n\nTenants were scored by their neighbourhoods.")
    hit = run("score neighbourhood", kind="passage").hits[0]
    assert "<mark>scored</mark>" in hit.snippet
    assert "scored" in hit.url  # the surface form is passed on for highlighting


def test_facet_counts_cache_key_is_built_once_and_an_outage_still_counts(make_source, monkeypatch):
    """The facet counts are read and kept under one key, taken before the search reads
    anything; when the cache cannot give it, the page counts them (and keeps nothing)."""
    make_source("Wombat burrows", "# Wombats\n\nWombat burrows are deep.")
    built = []
    real_key = selectors._facet_cache_key

    def counting_key(request):
        built.append(request.query.raw)
        return real_key(request)

    monkeypatch.setattr(selectors, "_facet_cache_key", counting_key)
    counted = run("wombat").facets
    assert counted
    assert built == ["wombat"]
    kept = run("wombat").facets  # from the cache this time: the same values
    assert kept == counted and isinstance(kept["source"][0], FacetValue)
    assert built == ["wombat", "wombat"]

    def unreachable(request):
        raise ConnectionError("cache down")

    monkeypatch.setattr(selectors, "_facet_cache_key", unreachable)
    assert run("wombat").facets
