"""Annotations and atlas entries in search: what is searched, ranking, hit links, facets,
and that the stored vectors follow the services that write."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.annotations import services as annotation_services
from apps.atlas.entries import services as entry_services
from apps.search import selectors
from apps.search.providers import SearchInputError, SearchRequest
from apps.search.query import parse_query

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def search(q: str, *, viewer=None, kind: str = "", **filters):
    from django.contrib.auth.models import AnonymousUser

    request = SearchRequest(
        query=parse_query(q), viewer=viewer or AnonymousUser(), kind=kind, filters=filters
    )
    return selectors.search(request=request, page_size=50, with_facets=True)


def hits_of(results, kind: str):
    return [h for h in results.hits if h.kind == kind]


# --- Annotations ----------------------------------------------------------------------------


def test_annotation_body_quote_and_tags_are_searched(annotate, user):
    by_body = annotate(user, "Wallaby statistics look odd here.")
    by_tag = annotate(user, "", tags=["wallaby-watch"])
    by_quote = annotate(user, "Plain comment.", quote="Schufa")
    assert {h.id for h in hits_of(search("wallaby"), "annotation")} >= {by_body.pk}
    assert by_tag.pk in {h.id for h in hits_of(search("wallaby-watch"), "annotation")}
    assert by_quote.pk in {h.id for h in hits_of(search("Schufa"), "annotation")}


def test_annotation_hit_opens_the_reader_at_the_annotation(annotate, user, founding_paper):
    note = annotate(user, "Wallaby remark.")
    (hit,) = hits_of(search("wallaby"), "annotation")
    # annotations.js opens the thread named by ?thread= and focuses the fragment's card.
    assert hit.url == f"/sources/{founding_paper.slug}/?thread={note.pk}#annotation-{note.pk}"
    assert hit.title == "“social credit system”"
    assert "<mark>Wallaby</mark>" in hit.snippet
    assert user.public_name in hit.meta


def test_snippets_and_activity_show_words_not_markdown(annotate, user, client):
    """Issue 14: a comment written in Markdown reads as text in search and activity."""
    annotate(user, "Which **wallaby** _structures_, see [the report](https://example.org/r)?")
    (hit,) = hits_of(search("wallaby"), "annotation")
    assert "**" not in hit.snippet and "](" not in hit.snippet and "_structures_" not in hit.snippet
    assert "<mark>wallaby</mark>" in hit.snippet.lower() and "the report" in hit.snippet
    activity = client.get("/activity/").content.decode()
    assert "Which wallaby structures, see the report?" in activity
    assert "**wallaby**" not in activity


def test_reply_hit_opens_its_thread(annotate, user, other_user, founding_paper, run_on_commit):
    root = annotate(user, "Root comment.")
    with run_on_commit():
        reply = annotation_services.annotation_reply(
            author=other_user, parent=root, body="Wallaby?"
        )
    (hit,) = hits_of(search("wallaby"), "annotation")
    assert hit.id == reply.pk
    assert hit.url == f"/sources/{founding_paper.slug}/?thread={root.pk}#annotation-{reply.pk}"


def test_tag_hit_ranks_above_body_mention(annotate, user):
    in_body = annotate(user, "A wallaby appears in passing in this long comment.")
    tagged = annotate(user, "Something else entirely.", tags=["wallaby"])
    ids = [h.id for h in hits_of(search("wallaby"), "annotation")]
    assert ids == [tagged.pk, in_body.pk]


def test_annotation_vector_follows_update_and_delete(annotate, user, run_on_commit):
    """The vector is rewritten by the subscriber of the annotation's events, once the
    write commits (ADR 0008): until then search finds what was committed before."""
    note = annotate(user, "Wallaby first draft.")
    with run_on_commit():
        annotation_services.annotation_update(annotation=note, user=user, body="Kangaroo now.")
        if connection.vendor == "postgresql":  # SQLite searches the rows themselves
            assert [h.id for h in hits_of(search("wallaby"), "annotation")] == [note.pk]
    assert hits_of(search("wallaby"), "annotation") == []
    assert [h.id for h in hits_of(search("kangaroo"), "annotation")] == [note.pk]
    with run_on_commit():
        annotation_services.annotation_delete(annotation=note, user=user)
    assert hits_of(search("kangaroo"), "annotation") == []
    if connection.vendor == "postgresql":
        from apps.search.models import AnnotationSearchIndex

        assert not AnnotationSearchIndex.objects.filter(pk=note.pk).exists()


def test_annotation_facets_and_filters(annotate, user, other_user, founding_paper):
    annotate(user, "Wallaby one.", tags=["fauna", "country:AU"])
    annotate(other_user, "Wallaby two.", tags=["fauna"])
    results = search("wallaby")
    facets = {name: {v.value: v.count for v in values} for name, values in results.facets.items()}
    assert facets["tag"] == {"fauna": 2, "country:AU": 1}
    assert facets["author"] == {user.username: 1, other_user.username: 1}
    assert facets["source"][founding_paper.slug] >= 2
    assert len(hits_of(search("wallaby", tag="country:AU"), "annotation")) == 1
    assert len(hits_of(search("wallaby", author=other_user.username), "annotation")) == 1
    # A tag filter leaves out kinds that have no tags.
    assert {h.kind for h in search("social", tag="fauna").hits} == {"annotation"}


def test_tag_filter_value_is_normalised_like_tags(annotate, user, client):
    annotate(user, "Wallaby.", tags=["Fauna"])
    response = client.get("/api/search/", {"q": "wallaby", "tag": "  FAUNA "})
    assert response.status_code == 200 and response.json()["count"] == 1


# --- Atlas entries --------------------------------------------------------------------------


def test_entry_title_ranks_above_summary_and_evidence(make_entry, user):
    in_evidence = make_entry(user, title="Loyalty scheme", evidence_title="Dingo report")
    in_summary = make_entry(user, title="Transit scheme", summary="Dingo points for riders.")
    in_title = make_entry(user, title="Dingo credit")
    ids = [h.id for h in hits_of(search("dingo"), "entry")]
    assert ids == [in_title.pk, in_summary.pk, in_evidence.pk]


def test_entry_hit_links_to_the_entry(make_entry, user):
    entry = make_entry(user, title="Dingo credit", country="DE", start_year=2001)
    (hit,) = hits_of(search("dingo"), "entry")
    assert hit.url == entry.get_absolute_url()
    assert hit.kind_label == "Atlas entry"
    assert "Germany" in hit.meta and "2001" in hit.meta
    assert "<mark>Dingo</mark>" in hit.title_html


def test_entry_facets_and_filters(make_entry, user):
    make_entry(user, title="Dingo one", country="DE", start_year=2001)
    make_entry(
        user, title="Dingo two", country="CN", start_year=2014, category="government-blacklists"
    )
    make_entry(user, title="Dingo three", country="EU", start_year=2014)
    facets = {
        name: {v.value: (v.label, v.count) for v in values}
        for name, values in search("dingo").facets.items()
    }
    assert facets["country"] == {
        "DE": ("Germany", 1), "CN": ("China", 1), "EU": ("European Union", 1)
    }  # fmt: skip
    assert facets["category"]["government-blacklists"][1] == 1
    assert facets["year"][2014] == ("2014", 2)
    assert [h.title for h in search("dingo", country="CN").hits] == ["Dingo two"]
    assert [h.title for h in search("dingo", country="EU").hits] == ["Dingo three"]
    assert {h.title for h in search("dingo", year=2014, kind="entry").hits} == {
        "Dingo two", "Dingo three"
    }  # fmt: skip
    assert [h.title for h in search("dingo", category="government-blacklists").hits] == [
        "Dingo two"
    ]


def test_entry_vector_follows_updates(make_entry, user, moderator, run_on_commit):
    entry = make_entry(user, status="draft", title="Dingo credit")
    with run_on_commit():
        entry_services.example_update(actor=user, example=entry, changes={"title": "Emu credit"})
        if connection.vendor == "postgresql":  # indexed on commit (entry.text_changed)
            assert [h.id for h in hits_of(search("dingo", viewer=user), "entry")] == [entry.pk]
    assert hits_of(search("dingo", viewer=user), "entry") == []
    assert [h.id for h in hits_of(search("emu", viewer=user), "entry")] == [entry.pk]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"country": "ZZ"}, "country: Unknown country “ZZ”."),
        ({"category": "no-such"}, "category: Unknown category “no-such”. Choose from:"),
        ({"tag": "never-used"}, "tag: No annotation has the tag “never-used”."),
        ({"author": "ghost"}, "author: There is no contributor “ghost”."),
    ],
)
def test_unknown_facet_values_are_400_on_page_and_api(client, founding_paper, params, message):
    api = client.get("/api/search/", {"q": "credit", **params})
    assert api.status_code == 400
    assert api.json()["detail"].startswith(message)
    page = client.get("/search/", {"q": "credit", **params})
    assert page.status_code == 400
    assert message.split(": ", 1)[1] in page.content.decode()


def test_facet_clean_refuses_unknown_values_directly():
    from apps.search import registry

    with pytest.raises(SearchInputError):
        registry.facets()["country"].clean("Narnia", viewer=None)


# --- Page and API ---------------------------------------------------------------------------


def test_page_groups_by_kind_and_offers_every_facet(
    client, annotate, make_entry, user, founding_paper, django_assert_max_num_queries,
    search_queries,
):  # fmt: skip
    annotate(user, "Dingo in a comment.", tags=["fauna"])
    make_entry(user, title="Dingo credit", country="DE", start_year=2001)
    # Four kinds: one query each to rank, count and facet-count (tags included), one for
    # each kind with hits shown (annotations, entries) to build them.
    # (+1: "did you mean" for a search with few results, spelling.py)
    with django_assert_max_num_queries(search_queries(7)):
        response = client.get("/search/", {"q": "dingo"})
    html = response.content.decode()
    assert 'href="/search/?q=dingo&amp;kind=annotation"' in html
    assert 'href="/search/?q=dingo&amp;kind=entry"' in html
    assert 'Annotations <span class="count">(1)</span>' in html
    assert 'Atlas entries <span class="count">(1)</span>' in html
    for link in ("tag=fauna", "country=DE", "category=geo-scoring", "year=2001",
                 f"author={user.username}", f"source={founding_paper.slug}"):  # fmt: skip
        assert f'href="/search/?q=dingo&amp;{link}"' in html, link
    assert ">Germany</a>" in html
    filtered = client.get("/search/", {"q": "dingo", "kind": "entry", "country": "DE"})
    text = filtered.content.decode()
    assert "remove the Country filter" in text
    assert 'aria-current="page">Atlas entries' in text


def test_api_filters_by_facets(
    client, annotate, make_entry, user, django_assert_max_num_queries, search_queries
):
    annotate(user, "Dingo in a comment.", tags=["fauna"])
    make_entry(user, title="Dingo credit", country="DE", start_year=2001)
    # The tag check, annotations found, hydrated.
    with django_assert_max_num_queries(search_queries(4)):
        body = client.get("/api/search/", {"q": "dingo", "tag": "fauna"}).json()
    assert [h["kind"] for h in body["results"]] == ["annotation"]
    assert body["counts_by_kind"] == {"annotation": 1}
    body = client.get("/api/search/", {"q": "dingo", "country": "DE", "year": "2001"}).json()
    assert [h["kind"] for h in body["results"]] == ["entry"]


def test_counts_beyond_the_cap_say_more_than(client, annotate, user, monkeypatch):
    monkeypatch.setattr("apps.search.contract.COUNT_CAP", 2)
    monkeypatch.setattr("apps.search.selectors.COUNT_CAP", 2)
    for n in range(4):
        annotate(user, f"Dingo number {n}.")
    html = client.get("/search/", {"q": "dingo", "kind": "annotation"}).content.decode()
    assert "More than 2 results for “dingo”" in html
    assert 'Annotations <span class="count">(2+)</span>' in html
