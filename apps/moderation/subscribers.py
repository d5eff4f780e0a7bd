"""What the moderation app does when an event is published (``apps/common/events.py``);
connected from ``ModerationConfig.ready``. Services publish; the jobs that follow are
chosen here, so services never import tasks (tasks call services)."""

from __future__ import annotations

from apps.common import events

from . import tasks


def email_notice(*, notice_id: int) -> None:
    """``notice.created``: e-mail the decision. A broker outage is logged;
    ``tasks.sweep_unsent_notices`` sends it later."""
    tasks.send_notice_email.delay_on_commit(notice_id)


def connect() -> None:
    events.subscribe("notice.created", email_notice)
