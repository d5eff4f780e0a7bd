"""/a/<id>/: an annotation's share link leads to its passage with the thread open, and is
a 404 to whoever may not see the annotation."""

from __future__ import annotations

import pytest

from apps.annotations import services
from apps.annotations.services import TextPositionSelector
from apps.annotations.services.review import annotation_hide
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

QUOTE = "social credit system"


@pytest.fixture
def note(founding_paper, user):
    document = founding_paper.current_document
    start = document.text.index(QUOTE)
    return services.annotation_create(
        author=user,
        document=document,
        position=TextPositionSelector(start, start + len(QUOTE)),
        body="Public note",
    )


def test_share_link_leads_to_the_passage_with_the_thread_open(client, note):
    response = client.get(f"/a/{note.pk}/")
    assert response.status_code == 302
    assert response["Location"] == (
        f"/sources/wong-2021-social-credit/versions/1/?thread={note.pk}#p-{note.passage.anchor}"
    )
    assert "private" in response["Cache-Control"]


def test_a_reply_leads_to_its_thread(client, note, other_user):
    reply = services.annotation_reply(author=other_user, parent=note, body="A reply")
    response = client.get(f"/a/{reply.pk}/")
    assert response["Location"].endswith(f"?thread={note.pk}#p-{note.passage.anchor}")


def test_private_note_is_404_to_others_and_found_by_its_author(client, founding_paper, user):
    document = founding_paper.current_document
    start = document.text.index(QUOTE)
    private = services.annotation_create(
        author=user,
        document=document,
        position=TextPositionSelector(start, start + len(QUOTE)),
        body="Mine",
        visibility="private",
    )
    assert client.get(f"/a/{private.pk}/").status_code == 404
    client.force_login(UserFactory())  # a brand-new account
    assert client.get(f"/a/{private.pk}/").status_code == 404
    client.force_login(user)
    assert client.get(f"/a/{private.pk}/").status_code == 302


def test_hidden_note_is_404_to_others(client, note):
    annotation_hide(annotation=note, moderator=make_moderator(username="mod"))
    assert client.get(f"/a/{note.pk}/").status_code == 404


@pytest.mark.parametrize("path", ["/a/0/", "/a/99999999999999999999999/", "/a/abc/"])
def test_unknown_or_hostile_ids_are_404(client, db, path):
    assert client.get(path).status_code == 404


def test_nul_byte_is_a_400(client, note):
    assert client.get("/a/%00/").status_code == 400
    assert client.get(f"/a/{note.pk}/?x=%00").status_code == 400


def test_post_is_refused(client, note):
    assert client.post(f"/a/{note.pk}/").status_code == 405
