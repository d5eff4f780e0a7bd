"""Decision notices by e-mail (through the inbox's task): sent once, and a broker outage
never fails a decision."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.moderation.actions import review_item_decide
from apps.moderation.models import ReviewItem
from apps.notifications import tasks
from apps.notifications.models import Notification

from .conftest import make_item

pytestmark = pytest.mark.django_db


def test_task_sends_once(moderator, user):
    review_item_decide(
        actor=moderator, item=make_item(author=user), decision="reject", reason="Dup"
    )
    notice = Notification.objects.filter(kind="decision").get()
    assert tasks.send_notification_email(notice.pk) is True
    assert tasks.send_notification_email(notice.pk) is False
    assert tasks.send_notification_email(999999) is False
    assert len(mail.outbox) == 1
    assert "Dup" in mail.outbox[0].body and "Reject" in mail.outbox[0].subject


def test_broker_outage_does_not_fail_the_decision(
    moderator, user, run_on_commit, monkeypatch, caplog
):
    def broken_delay(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.send_notification_email, "delay", broken_delay)
    item = make_item(author=user)
    with run_on_commit():
        review_item_decide(actor=moderator, item=item, decision="reject", reason="Dup")
    assert ReviewItem.objects.get(pk=item.pk).status == "decided"
    notice = Notification.objects.filter(kind="decision").get()
    assert notice.email_pending  # the sweep will send it
    assert "Could not enqueue" in caplog.text
