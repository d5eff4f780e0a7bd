"""Telling people: a reply or a mention notifies once per person (in the app and, if
they want, by e-mail after commit), the sweep re-sends e-mails whose job was lost, and
readers mark notifications read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.services import language_for
from apps.common import events, http_cache
from apps.common.markdown import mentioned_usernames
from apps.moderation.standing import Standing, standing

from .. import selectors
from ..models import Annotation, Notification, NotificationKind
from .validation import _check_signed_in

logger = logging.getLogger(__name__)


def _notify(annotation: Annotation, *, author_standing: Standing | None = None) -> None:
    """Tell the parent's author about a reply and mentioned users about a mention, once
    per person per annotation; never the actor; never someone who cannot see it. Nothing
    while it awaits approval (approval notifies), nor for a shadow-hidden author.
    ``author_standing``: the write's own read of its author (saves asking again)."""
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
    for recipient_id, (recipient, kind) in recipients.items():
        if recipient_id == annotation.author_id:
            continue
        if not selectors.can_see(
            viewer=recipient, annotation=annotation, author_shadow_hidden=False
        ):
            continue
        wants_email = bool(recipient.email_notifications and recipient.email)
        notification, created = Notification.objects.get_or_create(
            recipient=recipient,
            annotation=annotation,
            defaults={
                "kind": kind,
                "actor_id": annotation.author_id,
                "email_pending": wants_email,
            },
        )
        if created:
            # Subscribers (annotations/subscribers.py) send the e-mail when one is owed.
            events.publish(
                "notification.created", notification_id=notification.pk, email=wants_email
            )


# An e-mail normally leaves within seconds; one still owed after this lost its job (broker
# down when the reply was written, or the mail server down longer than the task's retries).
NOTIFICATION_EMAIL_SWEEP_AFTER = timedelta(minutes=5)
# After a long outage, mail about a reply days old is noise: the in-app notification has
# long been there. A weekend's outage is still caught up; older e-mails are dropped.
NOTIFICATION_EMAIL_MAX_AGE = timedelta(days=3)
NOTIFICATION_EMAIL_SWEEP_BATCH = 500


def notifications_sweep_unsent(*, send: Callable[[int], object], now=None) -> list[int]:
    """Re-send notification e-mails whose job was lost: ``send(notification_id)`` (the
    sweep task passes ``send_notification_email.delay``; the first failure ends the
    sweep until the next beat). Returns the notification ids sent.

    Picks notifications whose e-mail is still owed (``email_pending``), older than
    ``NOTIFICATION_EMAIL_SWEEP_AFTER`` and unread; e-mails older than
    ``NOTIFICATION_EMAIL_MAX_AGE``, or about a notification already read in the app, are
    given up (no longer pending). Safe to run any time and to overlap a job still on its
    way: the task sends at most once per notification."""
    now = now or timezone.now()
    given_up = (
        Notification.objects.filter(email_pending=True)
        .filter(Q(created__lt=now - NOTIFICATION_EMAIL_MAX_AGE) | Q(read_at__isnull=False))
        .update(email_pending=False)
    )
    if given_up:
        logger.warning("Gave up %s notification e-mails (too old, or read in the app)", given_up)
    notification_ids = list(
        Notification.objects.filter(
            email_pending=True,
            read_at__isnull=True,
            created__lt=now - NOTIFICATION_EMAIL_SWEEP_AFTER,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:NOTIFICATION_EMAIL_SWEEP_BATCH]
    )
    sent = []
    for notification_id in notification_ids:
        try:
            send(notification_id)
        except Exception:  # noqa: BLE001 - broker still down: the next sweep tries again
            logger.exception("Sweep could not enqueue email for notification %s", notification_id)
            break
        sent.append(notification_id)
    return sent


@transaction.atomic
def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all, or the given ids). Returns how many."""
    _check_signed_in(user)
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    # The header's unread count: a bulk update sends no signal.
    return http_cache.update_and_invalidate(qs, read_at=timezone.now())


def notification_email_subject(notification: Notification) -> str:
    """Plain text on one line; the other person's display name quoted and cut short."""
    from django.conf import settings

    from apps.common.email import quoted, subject_line

    values = {"site": settings.SITE_NAME, "name": quoted(notification.actor.public_name)}
    if notification.kind == "reply":
        return subject_line(_("[%(site)s] %(name)s replied to your annotation") % values)
    return subject_line(_("[%(site)s] %(name)s mentioned you") % values)


def notification_send_email(*, notification_id: int) -> bool:
    """Email one notification if its recipient wants email and can still see the
    annotation. Returns whether it sent. Idempotent: the row is locked, and once sent (or
    found no longer wanted) it is no longer ``email_pending``, so a redelivered or
    re-swept job sends nothing twice."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "actor", "annotation", "annotation__source")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or not notification.email_pending:
            return False
        recipient = notification.recipient
        if not (
            recipient.email_notifications
            and recipient.email
            and recipient.is_active
            and selectors.can_see(viewer=recipient, annotation=notification.annotation)
        ):
            # Not wanted any more: settled, so the sweep does not try again.
            notification.email_pending = False
            notification.save(update_fields=["email_pending"])
            return False
        from apps.common.site import site_url

        context = {
            "notification": notification,
            "site_name": settings.SITE_NAME,
            "base_url": site_url(),
        }
        # In the recipient's language, not the worker's (ADR 0012).
        with translation.override(language_for(recipient)):
            subject = notification_email_subject(notification)
            message = render_to_string("annotations/email/notification.txt", context)
        send_mail(subject, message, None, [recipient.email])
        notification.emailed_at = timezone.now()
        notification.email_pending = False
        notification.save(update_fields=["emailed_at", "email_pending"])
    return True
