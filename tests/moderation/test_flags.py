"""Flags: one open flag per user and target, never on one's own content, scores that
follow each flagger's accuracy, automatic hiding at the configured score."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.moderation.actions import review_item_decide
from apps.moderation.models import AuditLogEntry, Flag, FlagStatus, ReviewItem
from apps.moderation.selectors import is_hidden
from apps.moderation.services import flag_create, flagger_weight
from apps.notifications.models import Notification
from apps.sources.selectors import source_list
from tests.factories import SourceFactory, UserFactory

from .conftest import make_trusted

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(user):
    return SourceFactory(added_by=user)


def test_flags_on_one_target_share_one_item(source, settings):
    settings.MODERATION_FLAG_HIDE_SCORE = 100
    first = flag_create(flagger=UserFactory(), target=source, reason="spam")
    second = flag_create(
        flagger=UserFactory(), target=source, reason="inaccurate", text="Wrong year"
    )
    assert first.review_item_id == second.review_item_id
    item = ReviewItem.objects.get()
    assert item.item_type == "flag" and item.priority == 2.0
    assert item.summary == "2 open flag(s): Inaccurate ×1, Spam ×1"


def test_flagging_twice_is_refused(source, other_user):
    flag_create(flagger=other_user, target=source, reason="spam")
    with pytest.raises(ValidationError, match="already flagged"):
        flag_create(flagger=other_user, target=source, reason="harassment")
    assert Flag.objects.count() == 1
    assert ReviewItem.objects.get().priority == 1.0


def test_flagging_own_content_is_refused(source, user):
    with pytest.raises(ValidationError, match="your own content"):
        flag_create(flagger=user, target=source, reason="spam")
    assert not Flag.objects.exists() and not ReviewItem.objects.exists()


def test_anonymous_cannot_flag(source):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        flag_create(flagger=AnonymousUser(), target=source, reason="spam")
    assert not Flag.objects.exists()


def test_other_needs_text_and_reason_must_be_known(source, other_user):
    with pytest.raises(ValidationError, match="Say what is wrong"):
        flag_create(flagger=other_user, target=source, reason="other", text="  ")
    with pytest.raises(ValidationError, match="not a valid choice"):
        flag_create(flagger=other_user, target=source, reason="boring")
    assert not Flag.objects.exists() and not ReviewItem.objects.exists()


def test_reaching_the_hide_score_hides_pending_review(source, settings):
    settings.MODERATION_FLAG_HIDE_SCORE = 3
    flag_create(flagger=UserFactory(), target=source, reason="spam")
    flag_create(flagger=UserFactory(), target=source, reason="spam")
    assert not is_hidden(source)
    flag_create(flagger=make_trusted(), target=source, reason="spam")  # 1 + 1 + 2 = 4
    assert is_hidden(source) and source not in source_list()
    row = AuditLogEntry.objects.get(action="hide")
    assert row.actor is None and "threshold 3" in row.reason
    assert row.after["target"]["hidden_reason"] == "pending_review"
    # Hidden content cannot be flagged further by the public.
    with pytest.raises(ValidationError, match="does not exist"):
        flag_create(flagger=UserFactory(), target=source, reason="spam")


def test_decision_resolves_flags_and_accuracy_moves_weight(moderator, settings):
    settings.MODERATION_FLAG_HIDE_SCORE = 1000
    settings.MODERATION_FLAG_ACCURACY_MIN_FLAGS = 2
    good, bad = UserFactory(), UserFactory()
    for verdict_decision in ["hide", "hide", "hide"]:
        target = SourceFactory(added_by=UserFactory())
        flag_create(flagger=good, target=target, reason="spam")
        flag_create(flagger=bad, target=target, reason="spam")
        item = ReviewItem.objects.get(object_id=str(target.pk), status="open")
        review_item_decide(actor=moderator, item=item, decision=verdict_decision, reason="Spam")
    assert Flag.objects.filter(flagger=good, status=FlagStatus.AGREED).count() == 3
    for _ in range(3):
        target = SourceFactory(added_by=UserFactory())
        flag_create(flagger=bad, target=target, reason="spam")
        item = ReviewItem.objects.get(object_id=str(target.pk), status="open")
        review_item_decide(actor=moderator, item=item, decision="keep", reason="Fine")
    # good: 3/3 agreed; bad: 3/6 agreed (50% < 60%).
    assert flagger_weight(good) > 1.0 > flagger_weight(bad) >= 0.1
    decision_row = AuditLogEntry.objects.filter(action="decision").first()
    assert decision_row.after["flags"] == {"resolved_as": "rejected", "count": 1}


def test_keeping_flagged_content_restores_it_and_author_is_not_told(source, moderator, settings):

    settings.MODERATION_FLAG_HIDE_SCORE = 1
    flag_create(flagger=UserFactory(), target=source, reason="spam")
    assert is_hidden(source)
    item = ReviewItem.objects.get()
    review_item_decide(actor=moderator, item=item, decision="keep", reason="Not spam")
    assert not is_hidden(source)
    assert not Notification.objects.filter(kind="decision").exists()
    assert Flag.objects.get().status == FlagStatus.REJECTED


def test_after_a_decision_a_new_flag_opens_a_new_item(source, moderator, other_user, settings):
    settings.MODERATION_FLAG_HIDE_SCORE = 100
    flag_create(flagger=other_user, target=source, reason="spam")
    review_item_decide(actor=moderator, item=ReviewItem.objects.get(), decision="keep", reason="ok")
    flag_create(flagger=other_user, target=source, reason="duplicate")
    assert ReviewItem.objects.filter(status="open").count() == 1
    assert ReviewItem.objects.count() == 2


# --- Decisions fit the item (issue 19) ------------------------------------------------------


def test_a_flag_is_hidden_kept_or_spam_never_published(source, settings):
    """'publish' on a flag used to mean "keep it and reject the flags": now refused with
    the decisions a flag offers named; 'keep' keeps the content, rejects the flags and
    tells the author nothing."""
    from tests.moderation.conftest import make_moderator

    settings.MODERATION_FLAG_HIDE_SCORE = 100
    flag = flag_create(flagger=UserFactory(), target=source, reason="spam")
    item = ReviewItem.objects.get()
    moderator = make_moderator()
    with pytest.raises(ValidationError) as refused:
        review_item_decide(actor=moderator, item=item, decision="publish", reason="Fine")
    message = " ".join(refused.value.messages)
    assert "“Keep (flags rejected)” (keep)" in message and "(hide)" in message
    item.refresh_from_db()
    assert item.status == "open" and not AuditLogEntry.objects.exists()

    review_item_decide(actor=moderator, item=item, decision="keep", reason="Not spam")
    item.refresh_from_db()
    flag.refresh_from_db()
    assert item.decision == "keep" and flag.status == FlagStatus.REJECTED
    assert not is_hidden(source)
    assert not Notification.objects.filter(kind="decision").exists()


def test_a_flag_that_hid_content_is_kept_and_shown_again(source, settings):
    from tests.moderation.conftest import make_moderator

    settings.MODERATION_FLAG_HIDE_SCORE = 1.0
    flag_create(flagger=UserFactory(), target=source, reason="spam")
    assert is_hidden(source)
    item = ReviewItem.objects.get()
    review_item_decide(actor=make_moderator(), item=item, decision="keep", reason="Fine")
    assert not is_hidden(source)
