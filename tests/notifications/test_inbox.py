"""Issue 19, one inbox: moderation decisions, replies and mentions (in annotations and in
entry comments) are one list with one unread count and one e-mail preference, and
nothing private reaches someone else's notifications."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from apps.annotations import services as annotation_services
from apps.atlas.discussion import services as comment_services
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.moderation.actions import review_item_decide
from apps.notifications import selectors, services
from apps.notifications.models import Notification
from tests.atlas.conftest import evidence_data, example_data
from tests.factories import SourceFactory, UserFactory
from tests.moderation.conftest import make_item

pytestmark = pytest.mark.django_db


def _me(user) -> dict:
    client = Client()
    client.force_login(user)
    return client.get("/api/me/").json()


def test_a_decision_and_a_reply_are_one_list_with_one_unread_count(
    user,
    other_user,
    moderator,
    make_annotation,
    run_on_commit,
    django_assert_max_num_queries,
    session_read,
):
    root = make_annotation(user, body="My reading of the paper.")
    with run_on_commit():
        annotation_services.annotation_reply(author=other_user, parent=root, body="I disagree.")
        item = make_item(author=user, target=SourceFactory(added_by=user, title="Off-topic item"))
        review_item_decide(actor=moderator, item=item, decision="reject", reason="Off-topic")
    assert _me(user)["unread"] == {"notifications": 2}
    client = Client()
    client.force_login(user)
    with django_assert_max_num_queries(6 + session_read):
        html = client.get("/notifications/").content.decode()
    assert "replied to you on" in html and "I disagree." in html
    assert "Moderation decision on" in html and "Reject" in html and "Off-topic" in html
    # The header badge says the same as /api/me/.
    assert "<span data-me-count>2</span>" in html
    # One preference, one e-mail each; the moderator is never named.
    assert sorted(m.subject for m in mail.outbox) == [
        "[Creditscape] Moderation decision: Reject — “Off-topic item”",
        f"[Creditscape] “{other_user.public_name}” replied to you",
    ]
    decision_mail = next(m for m in mail.outbox if "Moderation decision" in m.subject)
    assert "Off-topic" in decision_mail.body and moderator.public_name not in decision_mail.body
    assert "/notifications/" in decision_mail.body
    # Reading one keeps the other unread.
    decision = Notification.objects.get(kind="decision")
    client.post("/notifications/", {"notification": decision.pk})
    assert _me(user)["unread"] == {"notifications": 1}


def test_the_old_notices_page_redirects_to_the_inbox(user):
    client = Client()
    client.force_login(user)
    response = client.get("/moderation/notices/")
    assert response.status_code == 301 and response["Location"] == "/notifications/"


def _comment_on(example, author, body, **kwargs):
    return comment_services.comment_create(author=author, example=example, body=body, **kwargs)


def test_a_mention_in_an_entry_comment_notifies(
    user, other_user, third_user, make_published, run_on_commit
):
    example = make_published(user)
    with run_on_commit():
        comment = _comment_on(example, other_user, f"@{third_user.username} have a look")
    notification = Notification.objects.get(recipient=third_user)
    assert (notification.kind, notification.actor) == ("mention", other_user)
    assert notification.target_label == example.title
    assert notification.target_url == f"{example.get_absolute_url()}#comment-{comment.pk}"
    assert [m.to for m in mail.outbox] == [[third_user.email]]
    assert "have a look" in mail.outbox[0].body
    assert example.get_absolute_url() in mail.outbox[0].body
    assert selectors.unread_notification_count(user=third_user) == 1
    # A reply tells the thread's first author; mentioning oneself tells nobody.
    _comment_on(example, third_user, f"Thanks, @{third_user.username}", parent_id=comment.pk)
    assert Notification.objects.get(recipient=other_user).kind == "reply"
    assert Notification.objects.filter(recipient=third_user).count() == 1
    # The entry's page shows the comment the link points at.
    client = Client()
    assert f'id="comment-{comment.pk}"' in client.get(example.get_absolute_url()).content.decode()


def test_a_private_annotation_never_notifies_and_one_made_private_drops_out(
    user, other_user, make_annotation
):
    make_annotation(user, visibility="private", body=f"@{other_user.username} secret")
    assert not Notification.objects.filter(recipient=other_user).exists()
    note = make_annotation(user, quote="Sesame Credit", body=f"@{other_user.username} look")
    assert selectors.unread_notification_count(user=other_user) == 1
    annotation_services.annotation_update(annotation=note, user=user, visibility="private")
    assert selectors.unread_notification_count(user=other_user) == 0
    assert not selectors.notifications_for_user(user=other_user).exists()
    # Nor its words in the e-mail that was still owed.
    pending = Notification.objects.get(recipient=other_user)
    assert services.notification_send_email(notification_id=pending.pk) is False
    assert mail.outbox == []


def test_an_edit_takes_back_what_the_inbox_quotes(user, other_user, make_annotation):
    note = make_annotation(user, body=f"@{other_user.username} my phone is 0123")
    annotation_services.annotation_update(
        annotation=note, user=user, body=f"@{other_user.username} see the annex"
    )
    (notification,) = selectors.notifications_for_user(user=other_user)
    assert "0123" not in notification.text and "see the annex" in notification.text


def test_a_mention_on_a_draft_entry_reaches_nobody_who_cannot_see_it(
    user, other_user, third_user, moderator, make_published
):
    draft = entry_services.example_create(
        author=user,
        data=example_data(title="Unpublished draft"),
        evidence=[evidence_data()],
        passages=[],
        confirm_distinct=True,
    )
    _comment_on(draft, user, f"@{other_user.username} and @{moderator.username}, thoughts?")
    assert not Notification.objects.filter(recipient=other_user).exists()
    # A moderator may see the draft, so they hear of it.
    assert selectors.unread_notification_count(user=moderator) == 1

    # A published entry archived later: the mention drops out of the list.
    example = make_published(user, title="Later archived")
    _comment_on(example, user, f"@{third_user.username} FYI")
    assert selectors.unread_notification_count(user=third_user) == 1
    example.refresh_from_db()
    transitions.example_transition(
        actor=moderator, example=example, to="archived", reason="Out of scope"
    )
    assert selectors.unread_notification_count(user=third_user) == 0


def test_a_hidden_or_deleted_comment_drops_out(user, other_user, moderator, make_published):
    example = make_published(user)
    hidden = _comment_on(example, user, f"@{other_user.username} one")
    deleted = _comment_on(example, user, f"@{other_user.username} two")
    client = Client()
    client.force_login(other_user)
    assert _me(other_user)["unread"] == {"notifications": 2}
    comment_services.comment_set_hidden(moderator=moderator, comment=hidden, hidden=True)
    comment_services.comment_delete(actor=user, comment=deleted)
    assert _me(other_user)["unread"] == {"notifications": 0}
    assert "No notifications yet" in client.get("/notifications/").content.decode()


def test_nobody_reads_or_marks_another_persons_notifications(user, other_user, make_annotation):
    root = make_annotation(user, body=f"@{other_user.username} look")
    mine = Notification.objects.get(recipient=other_user)
    stranger = UserFactory()
    assert not selectors.notifications_for_user(user=stranger).exists()
    client = Client()
    client.force_login(stranger)
    assert "look" not in client.get("/notifications/").content.decode()
    client.post("/notifications/", {"notification": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is None
    assert root.pk  # the note itself is public: only the notification is personal


def test_a_subject_nobody_registered_is_refused(user, other_user):
    """Forgetting ``register_subject`` fails loudly at the write, never leaks at a read."""
    with pytest.raises(LookupError):
        services.notification_create(
            recipient=other_user, kind="mention", actor=user, subject=UserFactory()
        )
    assert not Notification.objects.exists()


@pytest.mark.parametrize("value", ["abc", "9" * 23, "x" * 2048, "-1"])
def test_a_hostile_id_marks_nothing(user, other_user, make_annotation, value):
    make_annotation(user, body=f"@{other_user.username} look")
    client = Client()
    client.force_login(other_user)
    response = client.post("/notifications/", {"notification": value})
    assert response.status_code == 302
    assert Notification.objects.get(recipient=other_user).read_at is None


def test_nothing_unread_costs_one_query(user, django_assert_num_queries):
    """The header's count on every page view: with nothing unread, one indexed lookup and
    no visibility rules (their Python cost ~6 ms an /api/me/, docs/benchmarks.md)."""
    with django_assert_num_queries(1):
        assert selectors.unread_notification_count(user=user) == 0
