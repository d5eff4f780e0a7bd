"""Notices: telling people about moderation decisions. They land in the one inbox
(apps/notifications), which also e-mails them after commit and sweeps lost e-mails."""

from __future__ import annotations

from apps.notifications.models import Notification, NotificationKind
from apps.notifications.services import notification_create

from ..models import ReviewItem


def notice_create(
    *,
    recipient,
    item: ReviewItem | None,
    decision: str,
    reason: str,
    target_label: str = "",
    target_url: str = "",
) -> Notification | None:
    """Tell ``recipient`` what was decided and why, in the app and by e-mail after
    commit. Internal: called by the decision actions, and by other apps' moderator
    actions that decide without a review item (the atlas's merge: ``item`` None, with the
    label and link given). The moderator is never named. Returns the notification (None
    for an inactive recipient)."""
    return notification_create(
        recipient=recipient,
        kind=NotificationKind.DECISION,
        verb=decision,
        target_label=target_label or (item.target_label if item is not None else ""),
        target_url=target_url or (item.target_url if item is not None else ""),
        text=reason,
    )
