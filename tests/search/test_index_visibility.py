"""An annotation's index row decides who finds it (search 0009: ``public``, ``author``,
``source`` and ``tags`` copied onto ``AnnotationSearchIndex``; PostgreSQL). The copy must
never let private content through: every change of visibility, hiding, approval or
deletion shows at once, in results, counts and facet values, with and without facets,
even before any on-commit work has run (a trigger keeps ``public``). Hidden sources and
shadow-hidden authors are checked against their own tables."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.annotations import services as annotation_services
from apps.annotations.models import Annotation
from apps.search import registry
from apps.search.providers import SearchRequest, is_postgres
from apps.search.query import parse_query
from tests.conftest import require

pytestmark = pytest.mark.django_db

FACETS = ("tag", "author", "source")


@pytest.fixture(autouse=True)
def _postgres_only():
    require(is_postgres(), "the index rows are PostgreSQL only")


def seen(viewer, q: str = "aardvark") -> list[dict]:
    """What ``viewer`` gets for ``q`` from the annotation provider, without facets (the
    API) and with them (the page): ids, count, tag and author facet values."""
    provider = registry.providers()["annotation"]
    answers = []
    for names in ((), FACETS):
        found = provider.find(
            SearchRequest(query=parse_query(q), viewer=viewer), limit=50, facet_names=names
        )
        answers.append(
            {
                "ids": {pk for _score, pk in found.ranked},
                "total": found.total,
                "tags": {v.value for v in found.facets.get("tag", [])},
                "authors": {v.value for v in found.facets.get("author", [])},
            }
        )
    return answers


def assert_found(viewer, note, *, found: bool):
    for answer in seen(viewer):
        if found:
            assert note.pk in answer["ids"]
            assert answer["total"] >= 1
        else:
            assert note.pk not in answer["ids"]
            assert answer["total"] == 0
            assert "aardvark-secret" not in answer["tags"]
            assert note.author.username not in answer["authors"]


def test_public_private_public_shows_at_once(annotate, user, other_user):
    note = annotate(user, "Aardvark burrows.", tags=["aardvark-secret"])
    for viewer in (AnonymousUser(), other_user, user):
        assert_found(viewer, note, found=True)
    # No on-commit work runs here: the row's ``public`` follows in the same transaction.
    annotation_services.annotation_update(annotation=note, user=user, visibility="private")
    for viewer in (AnonymousUser(), other_user):
        assert_found(viewer, note, found=False)
    assert_found(user, note, found=True)
    annotation_services.annotation_update(annotation=note, user=user, visibility="public")
    for viewer in (AnonymousUser(), other_user, user):
        assert_found(viewer, note, found=True)


def test_private_note_never_counted_on_the_api_or_page(annotate, user, other_user, client):
    annotate(user, "Aardvark in the open.")
    note = annotate(user, "Aardvark diary.", tags=["aardvark-secret"])
    annotation_services.annotation_update(annotation=note, user=user, visibility="private")
    response = client.get("/api/search/", {"q": "aardvark", "kind": "annotation"}).json()
    assert response["counts_by_kind"]["annotation"] == 1
    assert note.pk not in {hit["id"] for hit in response["results"]}
    page = client.get("/search/", {"q": "aardvark"}).content.decode()
    assert "aardvark-secret" not in page and "Aardvark diary" not in page


def test_hidden_restored_and_awaiting_approval(annotate, user, other_user, moderator):
    note = annotate(user, "Aardvark claims.", tags=["aardvark-secret"])
    annotation_services.annotation_hide(annotation=note, moderator=moderator)
    for viewer in (AnonymousUser(), other_user):
        assert_found(viewer, note, found=False)
    for viewer in (user, moderator):
        assert_found(viewer, note, found=True)
    annotation_services.annotation_restore(annotation=note, moderator=moderator)
    assert_found(AnonymousUser(), note, found=True)
    # Written around the services (raw SQL, the admin): the trigger still follows.
    Annotation.objects.filter(pk=note.pk).update(awaiting_approval=True)
    for viewer in (AnonymousUser(), other_user):
        assert_found(viewer, note, found=False)
    assert_found(user, note, found=True)
    annotation_services.annotation_approve(annotation=note, moderator=moderator)
    assert_found(AnonymousUser(), note, found=True)


def test_deleted_is_found_by_nobody_at_once(annotate, user, moderator):
    note = annotate(user, "Aardvark mistake.", tags=["aardvark-secret"])
    annotation_services.annotation_delete(annotation=note, user=user)
    for viewer in (AnonymousUser(), user, moderator):
        assert_found(viewer, note, found=False)


def test_a_deleted_note_a_moderator_restores_is_found_again(
    annotate, user, moderator, run_on_commit
):
    """Deleting drops the index row (the trigger, at once); restoring the deletion from the
    history page has to write it again, or the note is never found again (it wasn't)."""
    from apps.annotations.history import annotation_restore_deleted

    note = annotate(user, "Aardvark mistake.", tags=["aardvark-secret"])
    annotation_services.annotation_delete(annotation=note, user=user)
    assert_found(AnonymousUser(), note, found=False)
    with run_on_commit():
        annotation_restore_deleted(actor=moderator, annotation=note, reason="Deleted by mistake")
    for viewer in (AnonymousUser(), user):
        assert_found(viewer, note, found=True)


def test_shadow_hidden_author_and_hidden_source(annotate, user, other_user, moderator):
    from apps.moderation.services.hiding import content_hide
    from apps.moderation.services.roles import user_set_shadow_hidden

    note = annotate(user, "Aardvark opinions.", tags=["aardvark-secret"])
    user_set_shadow_hidden(actor=moderator, user=user, hidden=True, reason="Spam run")
    for viewer in (AnonymousUser(), other_user):
        assert_found(viewer, note, found=False)
    assert_found(user, note, found=True)
    user_set_shadow_hidden(actor=moderator, user=user, hidden=False, reason="Appeal upheld")
    assert_found(AnonymousUser(), note, found=True)
    content_hide(target=note.source, actor=moderator)
    for viewer in (AnonymousUser(), other_user, user):
        assert_found(viewer, note, found=False)


def test_public_search_reads_no_annotation_row(annotate, user):
    """The lever itself: anonymous, with and without facets, the sample is taken from
    the index table alone (no probe into the annotation table per candidate)."""
    annotate(user, "Aardvark facts.", tags=["aardvark-facts"])
    provider = registry.providers()["annotation"]
    request = SearchRequest(query=parse_query("aardvark"), viewer=AnonymousUser())
    for names in ((), FACETS):
        with CaptureQueriesContext(connection) as captured:
            found = provider.find(request, limit=10, facet_names=names)
        assert found.total == 1
        assert len(captured.captured_queries) == 1
        assert "annotations_annotation" not in captured.captured_queries[0]["sql"]


def entries_seen(viewer, q: str = "okapi") -> list[dict]:
    provider = registry.providers()["entry"]
    answers = []
    for names in ((), ("country", "category", "year")):
        found = provider.find(
            SearchRequest(query=parse_query(q), viewer=viewer), limit=50, facet_names=names
        )
        answers.append(
            {
                "ids": {pk for _score, pk in found.ranked},
                "total": found.total,
                "countries": {v.value for v in found.facets.get("country", [])},
                "categories": {v.value for v in found.facets.get("category", [])},
            }
        )
    return answers


def assert_entry_found(viewer, entry, *, found: bool):
    for answer in entries_seen(viewer):
        assert (entry.pk in answer["ids"]) is found
        assert answer["total"] == (1 if found else 0)
        if not found:
            assert answer["countries"] == set() and answer["categories"] == set()


def test_entry_copies_follow_status_author_and_place_at_once(
    make_entry, user, other_user, moderator
):
    """An entry's index row (search 0010) follows its status, its author's standing and
    its facet columns in the writing transaction, even when written around the services."""
    from apps.atlas.models import Category, Example
    from apps.moderation.services.roles import user_set_shadow_hidden

    entry = make_entry(user, title="Okapi scoring", country="FR")
    for viewer in (AnonymousUser(), other_user, user):
        assert_entry_found(viewer, entry, found=True)
    Example.objects.filter(pk=entry.pk).update(status="draft")
    for viewer in (AnonymousUser(), other_user):
        assert_entry_found(viewer, entry, found=False)
    for viewer in (user, moderator):
        assert_entry_found(viewer, entry, found=True)
    Example.objects.filter(pk=entry.pk).update(status="published")
    assert_entry_found(AnonymousUser(), entry, found=True)
    user_set_shadow_hidden(actor=moderator, user=user, hidden=True, reason="Spam run")
    assert_entry_found(AnonymousUser(), entry, found=False)
    assert_entry_found(user, entry, found=True)
    user_set_shadow_hidden(actor=moderator, user=user, hidden=False, reason="Appeal upheld")
    other = Category.objects.exclude(pk=entry.category_id).first()
    Example.objects.filter(pk=entry.pk).update(country="IT", category=other)
    (with_facets,) = entries_seen(AnonymousUser())[1:]
    assert with_facets["countries"] == {"IT"} and with_facets["categories"] == {other.slug}
    Example.objects.filter(pk=entry.pk).update(status="merged")
    for viewer in (AnonymousUser(), user):
        assert_entry_found(viewer, entry, found=False)


def test_public_entry_search_reads_no_entry_row(make_entry, user):
    make_entry(user, title="Okapi facts")
    provider = registry.providers()["entry"]
    request = SearchRequest(query=parse_query("okapi"), viewer=AnonymousUser())
    for names in ((), ("country", "category", "year")):
        with CaptureQueriesContext(connection) as captured:
            found = provider.find(request, limit=10, facet_names=names)
        assert found.total == 1
        assert len(captured.captured_queries) == 1
        assert "atlas_example" not in captured.captured_queries[0]["sql"]
