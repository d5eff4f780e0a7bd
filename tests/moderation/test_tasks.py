"""Notice e-mails: sent once, and a broker outage never fails a decision."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.moderation import tasks
from apps.moderation.actions import review_item_decide
from apps.moderation.models import ModerationNotice, ReviewItem

from .conftest import make_item

pytestmark = pytest.mark.django_db


def test_task_sends_once(moderator, user):
    review_item_decide(
        actor=moderator, item=make_item(author=user), decision="reject", reason="Dup"
    )
    notice = ModerationNotice.objects.get()
    assert tasks.send_notice_email(notice.pk) == "sent"
    assert tasks.send_notice_email(notice.pk) == "already handled"
    assert tasks.send_notice_email(999999) == "missing"
    assert len(mail.outbox) == 1


def test_broker_outage_does_not_fail_the_decision(
    moderator, user, run_on_commit, monkeypatch, caplog
):
    def broken_delay(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.send_notice_email, "delay", broken_delay)
    item = make_item(author=user)
    with run_on_commit():
        review_item_decide(actor=moderator, item=item, decision="reject", reason="Dup")
    assert ReviewItem.objects.get(pk=item.pk).status == "decided"
    assert ModerationNotice.objects.get().email_handled_at is None  # the sweep will send it
    assert "Could not enqueue" in caplog.text
