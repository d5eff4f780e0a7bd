"""Who finds what: private annotations only by their author, hidden ones by their author
and moderators, deleted ones by nobody; unpublished atlas entries by their author and
moderators. Checked on the page, the API, the per-kind counts and the facet counts."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.annotations import services as annotation_services

pytestmark = pytest.mark.django_db

VIEWERS = ("anonymous", "other", "author", "moderator")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clients(user, other_user, moderator):
    made = {"anonymous": Client()}
    for name, person in (("other", other_user), ("author", user), ("moderator", moderator)):
        made[name] = Client()
        made[name].force_login(person)
    return made


def found(client, q: str, kind: str) -> dict:
    """What each surface says about ``q``: API hit ids, API count by kind, page text."""
    api = client.get("/api/search/", {"q": q}).json()
    page = client.get("/search/", {"q": q})
    assert page.status_code == 200
    return {
        "ids": {h["id"] for h in api["results"] if h["kind"] == kind},
        "count": api["counts_by_kind"].get(kind, 0),
        "page": page.content.decode(),
    }


def assert_visibility(clients, q: str, kind: str, pk: int, allowed: set[str], marker: str):
    """The API answers each viewer what they may see; the search page is a public page
    (apps/common/public.py): the same for everyone, so it shows what anyone may see."""
    public = "anonymous" in allowed
    for viewer in VIEWERS:
        seen = found(clients[viewer], q, kind)
        if viewer in allowed:
            assert seen["ids"] == {pk}, viewer
            assert seen["count"] == 1, viewer
        else:
            assert seen["ids"] == set(), viewer
            assert seen["count"] == 0, viewer
        assert (marker in seen["page"]) == public, viewer


def test_public_annotation_is_found_by_everyone(clients, annotate, user):
    note = annotate(user, "Quokka pouches are public knowledge.")
    assert_visibility(clients, "quokka", "annotation", note.pk, set(VIEWERS), "pouches are public")


def test_private_annotation_is_found_only_by_its_author(clients, annotate, user):
    note = annotate(user, "Quokka secrets for me alone.", visibility="private")
    # Not even moderators: private notes are not published.
    assert_visibility(clients, "quokka", "annotation", note.pk, {"author"}, "secrets for me")


def test_hidden_annotation_is_found_by_its_author_and_moderators(
    clients, annotate, user, moderator
):
    note = annotate(user, "Quokka rant that was hidden.")
    annotation_services.annotation_hide(annotation=note, moderator=moderator)
    assert_visibility(
        clients, "quokka", "annotation", note.pk, {"author", "moderator"}, "rant that was hidden"
    )


def test_deleted_annotation_is_found_by_nobody(clients, annotate, user, other_user):
    note = annotate(user, "Quokka remark, later deleted.")
    # A reply keeps the deleted root in the reader as "[deleted]"; search never shows it.
    annotation_services.annotation_reply(author=other_user, parent=note, body="Why wombat?")
    annotation_services.annotation_delete(annotation=note, user=user)
    assert_visibility(clients, "quokka", "annotation", note.pk, set(), "remark, later")


def test_private_annotation_tag_is_not_a_facet_for_others(clients, annotate, user):
    annotate(user, "Quokka notes.", tags=["secret-project"], visibility="private")
    annotate(user, "Quokka public notes.", tags=["open-topic"])
    for viewer in ("anonymous", "other", "moderator", "author"):
        # The page is public: the author finds their private tag through the API.
        page = clients[viewer].get("/search/", {"q": "quokka"}).content.decode()
        assert "open-topic" in page and "secret-project" not in page, viewer
    for viewer in ("anonymous", "other", "moderator"):
        # Filtering by it is "no such tag", exactly as for a tag nobody used.
        response = clients[viewer].get("/api/search/", {"q": "quokka", "tag": "secret-project"})
        assert response.status_code == 400, viewer
        assert response.json()["detail"] == ("tag: No annotation has the tag “secret-project”.")
    response = clients["author"].get("/api/search/", {"q": "quokka", "tag": "secret-project"})
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("published", set(VIEWERS)),
        ("draft", {"author", "moderator"}),
        ("submitted", {"author", "moderator"}),
    ],
)
def test_entries_are_found_by_those_who_may_see_them(clients, make_entry, user, status, allowed):
    entry = make_entry(user, status=status, title="Numbat loyalty points")
    assert_visibility(clients, "numbat", "entry", entry.pk, allowed, "loyalty points")


def test_unpublished_entry_is_not_counted_in_facets_for_others(clients, make_entry, user):
    make_entry(user, status="draft", title="Numbat draft scheme", country="FR")
    make_entry(user, title="Numbat published scheme", country="DE")
    for viewer, countries in (
        ("anonymous", {"DE"}),
        ("other", {"DE"}),
        ("author", {"DE"}),  # a public page: the same for everyone
        ("moderator", {"DE"}),
    ):
        page = clients[viewer].get("/search/", {"q": "numbat"}).content.decode()
        assert ("country=DE" in page, "country=FR" in page) == (
            "DE" in countries,
            "FR" in countries,
        ), viewer
