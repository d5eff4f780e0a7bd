"""Review queue services: opening items, claims, decisions, notices, uploaded sources."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from apps.moderation.actions import decision_action, review_item_decide, review_items_decide
from apps.moderation.errors import ModerationConflict
from apps.moderation.models import (
    AuditLogEntry,
    ReviewItem,
    ReviewItemType,
    ReviewStatus,
)
from apps.moderation.selectors import is_hidden
from apps.moderation.services import (
    review_item_claim,
    review_item_open,
    review_item_release,
)
from apps.notifications import services as inbox
from apps.notifications import tasks as inbox_tasks
from apps.notifications.models import Notification
from apps.sources.selectors import source_list
from tests.factories import SourceFactory, UserFactory

from .conftest import make_item, make_moderator, make_trusted

pytestmark = pytest.mark.django_db


# --- Opening items ------------------------------------------------------------------------


def test_open_copies_target_facts_and_is_idempotent(user):
    source = SourceFactory(added_by=user, title="Gig ratings")
    item = review_item_open(item_type="uploaded_source", target=source, summary="New")
    again = review_item_open(item_type="uploaded_source", target=source)
    assert again.pk == item.pk
    assert item.target_label == "Gig ratings" and item.target_url == source.get_absolute_url()
    assert item.author == user and item.priority == 1.0 and item.country is None
    # Another type on the same target is another item.
    assert review_item_open(item_type="flag", target=source).pk != item.pk


def test_open_without_adapter_is_refused(user):
    with pytest.raises(ValueError, match="No moderation adapter"):
        review_item_open(item_type="flag", target=user)
    assert not ReviewItem.objects.exists()


def test_contributor_upload_enters_queue(upload, user):
    source = upload(user)
    item = ReviewItem.objects.get()
    assert item.item_type == ReviewItemType.UPLOADED_SOURCE and item.object_id == str(source.pk)
    assert item.author == user and "New source uploaded by" in item.summary


@pytest.mark.parametrize(
    "uploader",
    [lambda: UserFactory(is_staff=True), make_trusted, make_moderator],
    ids=["staff", "trusted", "moderator"],
)
def test_trusted_uploads_skip_queue(upload, uploader):
    upload(uploader())
    assert not ReviewItem.objects.exists()


# --- Claims -------------------------------------------------------------------------------


def test_claim_release_and_audit(item, moderator):
    review_item_claim(actor=moderator, item=item)
    item.refresh_from_db()
    assert item.claimed_by == moderator and item.claimed_at is not None
    assert review_item_claim(actor=moderator, item=item).claimed_by == moderator  # idempotent
    review_item_release(actor=moderator, item=item)
    item.refresh_from_db()
    assert item.claimed_by is None
    assert list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "claim",
        "release",
    ]


def test_claiming_an_item_someone_else_holds_is_a_conflict(item, moderator):
    other = make_moderator(username="otto")
    review_item_claim(actor=other, item=item)
    with pytest.raises(ModerationConflict, match="otto claimed this item"):
        review_item_claim(actor=moderator, item=item)
    with pytest.raises(ModerationConflict, match="otto claimed"):
        review_item_release(actor=moderator, item=item)
    item.refresh_from_db()
    assert item.claimed_by == other
    assert AuditLogEntry.objects.filter(action="claim").count() == 1


def test_claim_out_of_scope_is_forbidden(french_moderator, user):
    german = make_item(author=user, country="DE")
    with pytest.raises(PermissionDenied, match="outside the countries"):
        review_item_claim(actor=french_moderator, item=german)
    countryless = make_item(author=user)
    with pytest.raises(PermissionDenied, match="global moderators"):
        review_item_claim(actor=french_moderator, item=countryless)
    french = make_item(author=user, country="FR")
    assert review_item_claim(actor=french_moderator, item=french).claimed_by == french_moderator
    assert not ReviewItem.objects.filter(
        pk__in=[german.pk, countryless.pk], claimed_by__isnull=False
    ).exists()


def test_contributor_cannot_claim(item, other_user):
    with pytest.raises(PermissionDenied, match="Only moderators"):
        review_item_claim(actor=other_user, item=item)


# --- Decisions ----------------------------------------------------------------------------


def test_publish_decides_audits_and_notifies(item, moderator, user, run_on_commit):
    with run_on_commit():
        review_item_decide(actor=moderator, item=item, decision="publish", reason="Well sourced")
    item.refresh_from_db()
    assert item.status == ReviewStatus.DECIDED and item.decision == "publish"
    assert item.decided_by == moderator and item.reason == "Well sourced"
    row = AuditLogEntry.objects.get(action="decision")
    assert row.actor == moderator and row.reason == "Well sourced"
    assert row.before["status"] == "open" and row.after["decision"] == "publish"
    assert row.after["target"] == {"hidden": False, "hidden_reason": None}
    notice = Notification.objects.filter(kind="decision").get()
    assert notice.recipient == user and notice.text == "Well sourced"
    assert notice.emailed_at is not None and not notice.email_pending
    assert len(mail.outbox) == 1
    assert "Well sourced" in mail.outbox[0].body and mail.outbox[0].to == [user.email]
    assert "Publish" in mail.outbox[0].subject


def test_reject_hides_source_from_lists_and_restore_shows_it(upload, user, moderator):
    source = upload(user)
    assert source in source_list()
    item = ReviewItem.objects.get()
    review_item_decide(actor=moderator, item=item, decision="reject", reason="Not a source")
    assert is_hidden(source) and source not in source_list()
    row = AuditLogEntry.objects.get(action="decision")
    assert row.before["target"]["hidden"] is False and row.after["target"]["hidden"] is True


def test_decision_without_reason_changes_nothing(item, moderator):
    for reason in ["", "   "]:
        with pytest.raises(ValidationError, match="Give a reason"):
            review_item_decide(actor=moderator, item=item, decision="reject", reason=reason)
    item.refresh_from_db()
    assert item.status == "open" and item.decision == ""
    assert (
        not AuditLogEntry.objects.exists()
        and not Notification.objects.filter(kind="decision").exists()
    )
    assert not is_hidden(item.content_type.get_object_for_this_type(pk=item.object_id))


def test_unknown_and_unsupported_decisions_are_refused(item, moderator):
    with pytest.raises(ValidationError, match="Unknown decision"):
        review_item_decide(actor=moderator, item=item, decision="approve", reason="x")
    with pytest.raises(ValidationError, match="is not a decision for uploaded source"):
        review_item_decide(actor=moderator, item=item, decision="request_changes", reason="x")
    item.refresh_from_db()
    assert item.status == "open" and not AuditLogEntry.objects.exists()


def test_second_decision_is_a_conflict(item, moderator):
    other = make_moderator(username="olga")
    stale = ReviewItem.objects.get(pk=item.pk)  # loaded before the first decision
    review_item_decide(actor=other, item=item, decision="publish", reason="Fine")
    with pytest.raises(ModerationConflict, match="already decided .* by olga"):
        review_item_decide(actor=moderator, item=stale, decision="reject", reason="Spam")
    stale.refresh_from_db()
    assert stale.decision == "publish"
    assert AuditLogEntry.objects.filter(action="decision").count() == 1


def test_deciding_an_item_someone_else_claimed_is_a_conflict(item, moderator):
    holder = make_moderator(username="hana")
    review_item_claim(actor=holder, item=item)
    with pytest.raises(ModerationConflict, match="hana claimed"):
        review_item_decide(actor=moderator, item=item, decision="reject", reason="Spam")
    item.refresh_from_db()
    assert item.status == "open"


def test_out_of_scope_decision_is_forbidden(french_moderator, user):
    item = make_item(author=user, country="DE")
    with pytest.raises(PermissionDenied):
        review_item_decide(actor=french_moderator, item=item, decision="reject", reason="x")
    item.refresh_from_db()
    assert item.status == "open" and not AuditLogEntry.objects.exists()


def test_check_reports_without_changing(item, moderator, other_user):
    decision_action("reject", item=item, actor=moderator, reason="Off-topic").check()
    with pytest.raises(PermissionDenied):
        decision_action("reject", item=item, actor=other_user, reason="Off-topic").check()
    item.refresh_from_db()
    assert item.status == "open"


def test_moderator_deciding_own_content_gets_no_notice(moderator):
    item = make_item(author=moderator)
    review_item_decide(actor=moderator, item=item, decision="publish", reason="Mine")
    assert not Notification.objects.filter(kind="decision").exists()


def test_bulk_decision_reports_each_item(moderator, user):
    free = make_item(author=user)
    held = make_item(author=user)
    review_item_claim(actor=make_moderator(username="hugo"), item=held)
    result = review_items_decide(
        actor=moderator, item_ids=[free.pk, held.pk, 999999], decision="spam", reason="Link farm"
    )
    assert [i.pk for i in result.decided] == [free.pk]
    failed = dict(result.failed)
    assert "hugo claimed" in failed[held.pk] and failed[999999] == "No such item."
    held.refresh_from_db()
    assert held.status == "open"


def test_bulk_decision_without_reason_decides_nothing(moderator, user):
    items = [make_item(author=user) for _ in range(2)]
    with pytest.raises(ValidationError, match="Give a reason"):
        review_items_decide(
            actor=moderator, item_ids=[i.pk for i in items], decision="spam", reason=""
        )
    assert ReviewItem.objects.filter(status="open").count() == 2


# --- Notices by e-mail --------------------------------------------------------------------


def test_email_respects_preference_and_is_sent_once(moderator, run_on_commit):
    quiet = UserFactory(email_notifications=False)
    item = make_item(author=quiet)
    with run_on_commit():
        review_item_decide(actor=moderator, item=item, decision="reject", reason="Duplicate")
    notice = Notification.objects.filter(kind="decision").get()
    assert not notice.email_pending and mail.outbox == []
    assert inbox.notification_send_email(notification_id=notice.pk) is False
    assert mail.outbox == []


def test_sweep_resends_lost_emails(moderator, user):
    item = make_item(author=user)
    review_item_decide(
        actor=moderator, item=item, decision="reject", reason="Duplicate"
    )  # no commit
    notice = Notification.objects.filter(kind="decision").get()
    assert notice.email_pending and notice.emailed_at is None
    Notification.objects.filter(kind="decision", pk=notice.pk).update(
        created=notice.created - __import__("datetime").timedelta(hours=1)
    )
    send = inbox_tasks.send_notification_email.delay
    assert inbox.notifications_sweep_unsent(send=send) == [notice.pk]
    assert len(mail.outbox) == 1
    assert inbox.notifications_sweep_unsent(send=send) == []


def test_notices_are_in_the_one_inbox_and_the_old_page_redirects(moderator, user, user_client):
    item = make_item(author=user)
    review_item_decide(actor=moderator, item=item, decision="reject", reason="Off-topic here")
    response = user_client.get("/moderation/notices/")
    assert response.status_code == 301 and response["Location"] == "/notifications/"
    response = user_client.get("/notifications/")
    assert response.status_code == 200 and b"Off-topic here" in response.content
    assert (
        Notification.objects.filter(kind="decision").get().read_at is None
    )  # a GET changes nothing
    assert user_client.post("/notifications/").status_code == 302  # "Mark all as read"
    assert Notification.objects.filter(kind="decision").get().read_at is not None
