"""What the inbox does when an event is published (``apps/common/events.py``); connected
from ``NotificationsConfig.ready``."""

from __future__ import annotations

from apps.common import events

from . import tasks


def email_notification(*, notification_id: int, email: bool) -> None:
    """``notification.created``: e-mail it when the recipient wants e-mail. A broker
    outage is logged; ``tasks.sweep_unsent_notification_emails`` sends it later."""
    if email:
        tasks.send_notification_email.delay_on_commit(notification_id)


def connect() -> None:
    events.subscribe("notification.created", email_notification)
