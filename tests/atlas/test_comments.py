"""The discussion under an entry: comments and replies (sanitised Markdown), soft
deletion, hiding by moderators, a per-user throttle, and comments_move for merges."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from apps.atlas.discussion import selectors as discussion_selectors
from apps.atlas.discussion import services as discussion
from apps.atlas.entries import services as entry_services
from apps.atlas.models import EntryComment
from tests.factories import UserFactory

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(user, make_published):
    return make_published(user)


def thread_texts(entry, viewer) -> list:
    return [
        (
            root.body if not root.placeholder else "[placeholder]",
            [r.body for r in root.thread_replies],
        )
        for root in discussion_selectors.comments_for_example(example=entry, viewer=viewer)
    ]


# --- Services ---------------------------------------------------------------------------


def test_a_mention_in_a_comment_links_to_the_persons_page(user, other_user, entry):
    comment = discussion.comment_create(
        author=other_user, example=entry, body=f"@{user.username} is this yours?"
    )
    assert f'<a href="/users/{user.username}/" rel="nofollow ugc noopener">' in comment.body_html


def test_comment_and_replies_form_one_level_threads(user, other_user, entry):
    first = discussion.comment_create(
        author=other_user, example=entry, body="Is this **still** active?"
    )
    assert first.body_html == "<p>Is this <strong>still</strong> active?</p>\n"
    reply = discussion.comment_create(author=user, example=entry, body="Yes.", parent_id=first.pk)
    reply_to_reply = discussion.comment_create(
        author=other_user, example=entry, body="Thanks.", parent_id=reply.pk
    )
    assert reply.parent_id == first.pk and reply_to_reply.parent_id == first.pk
    assert thread_texts(entry, None) == [("Is this **still** active?", ["Yes.", "Thanks."])]


def test_markdown_is_sanitised(other_user, entry):
    comment = discussion.comment_create(
        author=other_user,
        example=entry,
        body="<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org)",
    )
    assert "<script>" not in comment.body_html and 'href="javascript' not in comment.body_html
    assert 'rel="nofollow ugc noopener"' in comment.body_html


@pytest.mark.parametrize(
    "body, message",
    [("   ", "Write a comment first."), ("x" * 5001, "the limit is 5,000")],
)
def test_bad_comments_are_refused_and_not_stored(other_user, entry, body, message):
    with pytest.raises(ValidationError) as info:
        discussion.comment_create(author=other_user, example=entry, body=body)
    assert message in " ".join(info.value.messages)
    assert EntryComment.objects.count() == 0


def test_replies_need_a_live_parent_on_the_same_entry(user, other_user, entry, make_published):
    elsewhere = make_published(user, title="Elsewhere", country="FR")
    foreign = discussion.comment_create(author=user, example=elsewhere, body="Other thread.")
    with pytest.raises(ValidationError, match="does not exist on this entry"):
        discussion.comment_create(author=other_user, example=entry, body="Hi", parent_id=foreign.pk)
    gone = discussion.comment_create(author=user, example=entry, body="Soon gone.")
    discussion.comment_delete(actor=user, comment=gone)
    with pytest.raises(ValidationError, match="was deleted"):
        discussion.comment_create(author=other_user, example=entry, body="Hi", parent_id=gone.pk)
    assert EntryComment.objects.count() == 2


def test_anonymous_and_invisible_entries(user, other_user):
    from django.contrib.auth.models import AnonymousUser

    draft = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()]
    )
    with pytest.raises(PermissionDenied, match="Sign in"):
        discussion.comment_create(author=AnonymousUser(), example=draft, body="Hi")
    with pytest.raises(Http404):
        discussion.comment_create(author=other_user, example=draft, body="Hi")
    discussion.comment_create(author=user, example=draft, body="Note to self.")  # author may
    assert EntryComment.objects.count() == 1


def test_throttle(other_user, entry, settings):
    from apps.common.throttles import RateLimited

    settings.WRITE_RATES = {"comment": {"user": "3/min", "new_user": "3/min"}}
    for n in range(3):
        discussion.comment_create(author=other_user, example=entry, body=f"Comment {n}")
    with pytest.raises(RateLimited) as info:
        discussion.comment_create(author=other_user, example=entry, body="One too many")
    assert "You are saving faster than we allow" in str(info.value)
    assert "nothing was saved" in str(info.value)
    assert 0 < info.value.retry_after <= 60
    assert EntryComment.objects.count() == 3
    discussion.comment_create(author=UserFactory(), example=entry, body="Someone else may.")


def test_soft_delete_keeps_thread_shape(user, other_user, moderator, entry):
    root = discussion.comment_create(author=other_user, example=entry, body="Root.")
    discussion.comment_create(author=user, example=entry, body="Reply.", parent_id=root.pk)
    lonely = discussion.comment_create(author=other_user, example=entry, body="Lonely.")
    with pytest.raises(PermissionDenied):
        discussion.comment_delete(actor=user, comment=root)
    discussion.comment_delete(actor=other_user, comment=root)
    discussion.comment_delete(actor=moderator, comment=lonely)
    assert thread_texts(entry, None) == [("[placeholder]", ["Reply."])]
    root.refresh_from_db()
    assert root.body == "Root." and root.deleted_by == other_user  # kept for moderators


def test_hidden_comments_are_seen_by_author_and_moderators_only(user, other_user, moderator, entry):
    rude = discussion.comment_create(author=other_user, example=entry, body="Rude.")
    with pytest.raises(PermissionDenied):
        discussion.comment_set_hidden(moderator=user, comment=rude, hidden=True)
    discussion.comment_set_hidden(moderator=moderator, comment=rude, hidden=True)
    assert thread_texts(entry, None) == []
    assert thread_texts(entry, user) == []
    assert thread_texts(entry, other_user) == [("Rude.", [])]
    assert thread_texts(entry, moderator) == [("Rude.", [])]
    discussion.comment_set_hidden(moderator=moderator, comment=rude, hidden=False)
    assert thread_texts(entry, None) == [("Rude.", [])]


def test_comments_move(user, other_user, entry, make_published):
    duplicate = make_published(user, title="Schufa scoring (duplicate)", region="Berlin")
    root = discussion.comment_create(author=other_user, example=duplicate, body="On the duplicate.")
    discussion.comment_create(author=user, example=duplicate, body="Reply.", parent_id=root.pk)
    kept = discussion.comment_create(author=user, example=entry, body="On the kept one.")
    discussion.comment_delete(actor=user, comment=kept)
    assert discussion.comments_move(from_example=duplicate, to_example=entry) == 2
    assert EntryComment.objects.filter(example=duplicate).count() == 0
    assert thread_texts(entry, None) == [("On the duplicate.", ["Reply."])]
    with pytest.raises(ValidationError, match="into itself"):
        discussion.comments_move(from_example=entry, to_example=entry)


# --- Pages ------------------------------------------------------------------------------


def test_entry_page_shows_the_discussion(client, user, other_user, entry):
    root = discussion.comment_create(author=other_user, example=entry, body="Is it *active*?")
    discussion.comment_create(author=user, example=entry, body="Yes.", parent_id=root.pk)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "Is it <em>active</em>?" in html and "Yes." in html
    # The forms are in the public page, hidden until site.js knows the viewer signed in.
    assert "Sign in to join the discussion" in html
    assert 'class="comment-form" data-when="signed-in" hidden' in html
    assert 'id="comment-body"' in html and f'name="parent" value="{root.pk}"' in html
    client.force_login(other_user)
    assert client.get(entry.get_absolute_url()).content.decode() == html


def test_post_and_reply_through_the_page(client, other_user, entry):
    client.force_login(other_user)
    url = f"/atlas/comments/on/{entry.pk}/"
    response = client.post(url, {"body": "A question."})
    comment = EntryComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{entry.get_absolute_url()}#comment-{comment.pk}"
    client.post(url, {"body": "A follow-up.", "parent": comment.pk})
    assert EntryComment.objects.get(body="A follow-up.").parent == comment


def test_refused_comment_keeps_the_text(client, other_user, entry):
    client.force_login(other_user)
    url = f"/atlas/comments/on/{entry.pk}/"
    response = client.post(url, {"body": "  "})
    assert response.status_code == 400 and "Write a comment first." in response.content.decode()
    response = client.post(url, {"body": "Hello", "parent": "abc"})
    assert response.status_code == 400
    assert "does not exist on this entry" in response.content.decode()
    assert EntryComment.objects.count() == 0


def test_throttled_page_is_a_429_with_retry_after(client, other_user, entry, settings):
    settings.WRITE_RATES = {"comment": {"user": "1/min", "new_user": "1/min"}}
    client.force_login(other_user)
    url = f"/atlas/comments/on/{entry.pk}/"
    client.post(url, {"body": "First."})
    response = client.post(url, {"body": "Second, kept in the form."})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Please wait" in html and "Second, kept in the form." in html
    assert EntryComment.objects.count() == 1


def test_entry_titled_like_a_route_keeps_its_page(client, user, make_published):
    entry = make_published(user, title="Transition")
    assert entry.slug == "transition-entry"
    assert client.get(entry.get_absolute_url()).status_code == 200


def test_anonymous_cannot_post(client, entry):
    response = client.post(f"/atlas/comments/on/{entry.pk}/", {"body": "Hi"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert EntryComment.objects.count() == 0


def test_delete_and_hide_through_the_page(client, user, other_user, moderator, entry):
    comment = discussion.comment_create(author=other_user, example=entry, body="Spam?")
    client.force_login(user)
    assert client.post(f"/atlas/comments/{comment.pk}/hide/", {"hidden": "1"}).status_code == 403
    assert client.post(f"/atlas/comments/{comment.pk}/delete/").status_code == 403
    client.force_login(moderator)
    client.post(f"/atlas/comments/{comment.pk}/hide/", {"hidden": "1"})
    comment.refresh_from_db()
    assert comment.hidden
    client.force_login(other_user)
    client.post(f"/atlas/comments/{comment.pk}/delete/")
    comment.refresh_from_db()
    assert comment.is_deleted
    assert "Spam?" not in client.get(entry.get_absolute_url()).content.decode()


def test_entry_page_query_count_does_not_grow_with_comments(
    client, user, other_user, moderator, entry, django_assert_max_num_queries
):
    root = discussion.comment_create(author=other_user, example=entry, body="Root.")
    client.force_login(user)
    with django_assert_max_num_queries(12) as before:
        client.get(entry.get_absolute_url())
    for n in range(5):
        author = UserFactory()
        discussion.comment_create(
            author=author, example=entry, body=f"Reply {n}.", parent_id=root.pk
        )
        discussion.comment_create(author=author, example=entry, body=f"Thread {n}.")
    discussion.comment_set_hidden(
        moderator=moderator, comment=EntryComment.objects.last(), hidden=True
    )
    with django_assert_max_num_queries(len(before.captured_queries) + 1):  # + the hidden check
        html = client.get(entry.get_absolute_url()).content.decode()
    assert html.count('<article class="comment') == 10  # the hidden one is left out
