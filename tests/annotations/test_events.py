"""The annotation services publish their domain events (apps/common/events.py) on commit,
and the moderation queue opens what they ask for through ``review.requested``."""

from __future__ import annotations

import pytest
from django.db import transaction

from apps.annotations import services
from apps.annotations.models import Visibility
from apps.moderation.models import ReviewItem, UserModerationState

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotation_events(dispatched):
    names = ["created", "updated", "deleted", "hidden", "restored", "approved"]
    seen = {name: dispatched(f"annotation.{name}") for name in names}
    return seen


def ids(payloads) -> list[int]:
    return [payload["annotation_id"] for payload in payloads]


def test_each_write_publishes_its_event_once_on_commit(
    user, other_user, moderator, make_annotation, annotation_events, run_on_commit
):
    with run_on_commit():
        note = make_annotation(user)
        assert annotation_events["created"] == []  # not before the commit
    with run_on_commit():
        reply = services.annotation_reply(author=other_user, parent=note, body="Indeed.")
    with run_on_commit():
        services.annotation_update(annotation=note, user=user, body="Edited.")
        services.annotation_update(annotation=note, user=user, tags=["twice"])
    with run_on_commit():
        services.annotation_hide(annotation=reply, moderator=moderator)
    with run_on_commit():
        services.annotation_restore(annotation=reply, moderator=moderator)
    with run_on_commit():
        services.annotation_delete(annotation=reply, user=other_user)
    assert ids(annotation_events["created"]) == [note.pk, reply.pk]
    assert ids(annotation_events["updated"]) == [note.pk]  # twice in one transaction: once
    assert ids(annotation_events["hidden"]) == [reply.pk]
    assert ids(annotation_events["restored"]) == [reply.pk]
    assert ids(annotation_events["deleted"]) == [reply.pk]


def test_a_write_that_fails_publishes_nothing(user, make_annotation, annotation_events):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_annotation(user)
        raise RuntimeError("the request failed after the service")
    assert annotation_events["created"] == []


def test_review_requested_opens_the_queue_item_on_commit(
    user, moderator, make_annotation, dispatched, annotation_events, run_on_commit
):
    UserModerationState.objects.create(user=user, premoderate_annotations=True)
    requested = dispatched("review.requested")
    with run_on_commit():
        pending = make_annotation(user)
        private = make_annotation(user, visibility=Visibility.PRIVATE)
        assert not ReviewItem.objects.exists()  # opened by the subscriber, after commit
    assert [(r["target_type"], r["target_id"], r["item_type"]) for r in requested] == [
        ("annotation", pending.pk, "pending_annotation")
    ]
    item = ReviewItem.objects.get()
    assert item.object_id == str(pending.pk) and item.item_type == "pending_annotation"
    assert private.pk not in [r["target_id"] for r in requested]
    with run_on_commit():
        services.annotation_approve(annotation=pending, moderator=moderator)
    assert ids(annotation_events["approved"]) == [pending.pk]
