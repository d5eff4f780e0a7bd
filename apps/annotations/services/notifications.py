"""Telling people about annotations: a reply or a mention notifies once per person in the
one inbox (apps/notifications: in the app and, if they want, by e-mail after commit); an
edit keeps the excerpt shown there current."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from apps.common.markdown import mentioned_usernames
from apps.moderation.standing import Standing, standing
from apps.notifications.models import NotificationKind
from apps.notifications.services import excerpt, notification_create, notifications_refresh_text

from ..models import Annotation


def _notify(
    annotation: Annotation, *, author_standing: Standing | None = None, edited: bool = False
) -> None:
    """Tell the parent's author about a reply and mentioned users about a mention, once
    per person per annotation; never the actor; never someone who cannot see it. Nothing
    while it awaits approval (approval notifies), nor for a shadow-hidden author.
    ``author_standing``: the write's own read of its author (saves asking again).
    ``edited``: the body may have changed, so what the inbox quotes follows it (a
    mention taken back is not kept there)."""
    if edited:
        notifications_refresh_text(subject=annotation, text=annotation.body)
    if annotation.deleted_at is not None or annotation.hidden or annotation.awaiting_approval:
        return
    if author_standing is None:
        author_standing = standing(annotation.author)
    if author_standing.shadow_hidden:
        return
    recipients: dict[int, tuple[object, str]] = {}
    if annotation.parent_id:
        parent_author = annotation.parent.author
        recipients[parent_author.pk] = (parent_author, NotificationKind.REPLY)
    # The same reading of "@name" as the rendered links (apps/common/markdown.py).
    usernames = mentioned_usernames(annotation.body)
    if usernames:
        for user in get_user_model().objects.filter(username__in=usernames, is_active=True):
            recipients.setdefault(user.pk, (user, NotificationKind.MENTION))
    recipients.pop(annotation.author_id, None)
    for recipient, kind in recipients.values():
        # Whether the recipient may see it (a private note, a reply in a private thread)
        # the inbox checks with the rule this app registered (AnnotationsConfig.ready).
        notification_create(
            recipient=recipient,
            kind=kind,
            actor=annotation.author,
            subject=annotation,
            target_label=annotation.source.title,
            target_url=annotation.get_absolute_url(),
            text=excerpt(annotation.body),
        )
