"""The discussion under an entry over the REST API: the same rules as the entry page
(services and selectors), JSON errors a person can read."""

from __future__ import annotations

import pytest

from apps.atlas.discussion import services as discussion
from apps.atlas.entries import services as entry_services
from apps.atlas.models import EntryComment

from .conftest import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(user, make_published):
    return make_published(user)


def url(entry) -> str:
    return f"/api/examples/{entry.pk}/comments/"


def test_post_a_comment_and_a_reply_then_list_them(user, other_user, entry):
    response = api(other_user).post(
        url(entry), {"body": "Is this **still** active?"}, format="json"
    )
    assert response.status_code == 201, response.content
    first = response.json()
    assert first["body_html"] == "<p>Is this <strong>still</strong> active?</p>\n"
    assert first["author"]["username"] == other_user.username and first["parent"] is None
    reply = api(user).post(url(entry), {"body": "Yes.", "parent": first["id"]}, format="json")
    assert reply.status_code == 201 and reply.json()["parent"] == first["id"]

    listed = api().get(url(entry)).json()
    assert [(c["body"], c["parent"]) for c in listed] == [
        ("Is this **still** active?", None),
        ("Yes.", first["id"]),
    ]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"body": "   "}, "body", "Write a comment first."),
        ({"body": "x" * 5001}, "body", "limit"),
        ({"body": "Hi", "parent": 999999}, "parent", "does not exist"),
        ({}, "body", "required"),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_stored(user, entry, payload, field, message):
    response = api(user).post(url(entry), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"] and message in response.json()["detail"]
    assert not EntryComment.objects.exists()


def test_anonymous_cannot_post_and_unknown_entries_are_404(user, entry):
    assert api().post(url(entry), {"body": "Hi"}, format="json").status_code == 401
    assert api(user).get("/api/examples/999999/comments/").status_code == 404
    assert not EntryComment.objects.exists()


def test_a_draft_entrys_discussion_is_not_admitted_to_exist(user, other_user):
    from tests.atlas.conftest import evidence_data, example_data

    draft = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()], submit=False
    )
    assert api(other_user).get(url(draft)).status_code == 404
    assert api(other_user).post(url(draft), {"body": "Hi"}, format="json").status_code == 404


def test_delete_own_comment_leaves_a_placeholder_while_it_has_replies(user, other_user, entry):
    first = discussion.comment_create(author=other_user, example=entry, body="First")
    discussion.comment_create(author=user, example=entry, body="Reply", parent_id=first.pk)
    assert api(user).delete(f"/api/comments/{first.pk}/").status_code == 403  # not the author
    assert api(other_user).delete(f"/api/comments/{first.pk}/").status_code == 204
    listed = api().get(url(entry)).json()
    assert listed[0]["placeholder"] == "[deleted]" and listed[0]["body"] == ""
    assert listed[0]["author"] is None and listed[1]["body"] == "Reply"
    assert api(other_user).delete(f"/api/comments/{first.pk}/").status_code == 404


def test_moderators_hide_and_others_no_longer_see(user, other_user, moderator, entry):
    comment = discussion.comment_create(author=other_user, example=entry, body="Spam")
    hide = f"/api/comments/{comment.pk}/hide/"
    assert api(user).post(hide, {"hidden": True}, format="json").status_code == 403
    response = api(moderator).post(hide, {"hidden": True}, format="json")
    assert response.status_code == 200 and response.json()["hidden"] is True
    assert api(user).get(url(entry)).json() == []
    assert api().get(url(entry)).json() == []
    assert [c["body"] for c in api(other_user).get(url(entry)).json()] == ["Spam"]  # the author
    assert api(user).delete(f"/api/comments/{comment.pk}/").status_code == 404
    assert api(moderator).post(hide, {"hidden": False}, format="json").json()["hidden"] is False


def test_throttled_with_retry_after(user, entry, monkeypatch, settings):
    import types

    from apps.common import throttles

    # The throttle counts per clock minute: pin the clock mid-minute, or a run that
    # crosses a minute boundary starts a fresh window and the last post is let through.
    monkeypatch.setattr(throttles, "time", types.SimpleNamespace(time=lambda: 1_800_000_030))
    settings.WRITE_RATES = {"comment": {"user": "3/min", "new_user": "3/min"}}
    for n in range(3):
        assert api(user).post(url(entry), {"body": f"n{n}"}, format="json").status_code == 201
    response = api(user).post(url(entry), {"body": "one too many"}, format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Please wait" in response.json()["detail"]
    assert EntryComment.objects.count() == 3


def test_list_query_count_is_constant(user, other_user, entry, django_assert_max_num_queries):
    for n in range(5):
        first = discussion.comment_create(author=other_user, example=entry, body=f"c{n}")
        discussion.comment_create(author=user, example=entry, body="r", parent_id=first.pk)
    with django_assert_max_num_queries(8):
        assert len(api(user).get(url(entry)).json()) == 10


def test_hide_without_a_choice_is_a_400(moderator, other_user, entry):
    comment = discussion.comment_create(author=other_user, example=entry, body="Spam")
    response = api(moderator).post(f"/api/comments/{comment.pk}/hide/", {}, format="json")
    assert response.status_code == 400 and "hidden" in response.json()["errors"]
