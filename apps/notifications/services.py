"""Writes of the inbox: notify (in the app, and by e-mail after commit), mark read, keep
an excerpt current, send owed e-mails and sweep the ones whose job was lost.

Callers (annotations, atlas, moderation) decide *whom* to tell: they know who wrote
what and who may see it. The store checks visibility again through the registry, so a
notification about something its recipient cannot see is never made."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from apps.accounts.services import language_for
from apps.common import events, http_cache

from . import registry, selectors
from .models import EXCERPT_LENGTH, ONCE_PER_SUBJECT, Notification, NotificationKind

logger = logging.getLogger(__name__)


def excerpt(text: str) -> str:
    return Truncator(text or "").chars(EXCERPT_LENGTH)


def notification_create(
    *,
    recipient,
    kind: str,
    actor=None,
    subject: models.Model | None = None,
    verb: str = "",
    target_label: str = "",
    target_url: str = "",
    text: str = "",
    send_email: bool = True,
) -> Notification | None:
    """Tell ``recipient`` in the app, and by e-mail after commit when they want e-mail.
    Internal: called by other apps' services. Returns the new notification, or None when
    nothing was made: the recipient is the actor, inactive, cannot see ``subject``
    (``registry.register_subject``; a model not registered raises ``LookupError``), or
    was already told about ``subject`` (replies and mentions: once per subject).
    Runs in the caller's transaction (one insert: no savepoint of its own), so a
    rolled-back write leaves no notification and sends no e-mail. ``send_email`` False:
    in the app only (saved-search alerts, whose e-mail is the user's chosen digest)."""
    if recipient is None or not recipient.is_active:
        return None
    if actor is not None and actor.pk == recipient.pk:
        return None
    if subject is not None and not registry.subject_visible(user=recipient, subject=subject):
        return None
    wants_email = bool(send_email and recipient.email_notifications and recipient.email)
    values = {
        "recipient": recipient,
        "kind": kind,
        "actor": actor,
        "verb": verb,
        "target_label": (target_label or "")[:300],
        "target_url": (target_url or "")[:500],
        "text": text,
        "email_pending": wants_email,
    }
    if subject is not None:
        values["subject_type"] = ContentType.objects.get_for_model(subject)
        values["subject_id"] = subject.pk
    if subject is not None and kind in ONCE_PER_SUBJECT:
        # get_or_create: two writers racing on the constraint get one row between them.
        notification, created = Notification.objects.get_or_create(
            recipient=recipient,
            subject_type=values.pop("subject_type"),
            subject_id=values.pop("subject_id"),
            kind__in=[k.value for k in ONCE_PER_SUBJECT],
            defaults={key: value for key, value in values.items() if key != "recipient"},
        )
        if not created:
            return None
    else:
        notification = Notification.objects.create(**values)
    # Its subscriber (notifications/subscribers.py) sends the e-mail when one is owed.
    events.publish("notification.created", notification_id=notification.pk, email=wants_email)
    return notification


def notifications_refresh_text(*, subject: models.Model, text: str) -> int:
    """``subject`` was edited: the excerpts shown about it follow, so the list never
    keeps words its author took back. Returns how many changed."""
    qs = Notification.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).exclude(text=excerpt(text))
    return http_cache.update_and_invalidate(qs, text=excerpt(text))


@transaction.atomic
def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notifications read (all, or the given ids; others' ids are
    ignored). Returns how many changed."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to read your notifications."))
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    # The header's unread count: a bulk update sends no signal.
    return http_cache.update_and_invalidate(qs, read_at=timezone.now())


# --- E-mail ---------------------------------------------------------------------------------


def notification_email_subject(notification: Notification) -> str:
    """Plain text on one line; names and titles quoted and cut short."""
    from apps.common.email import quoted, subject_line

    values = {"site": settings.SITE_NAME}
    if notification.kind == NotificationKind.DECISION:
        values |= {
            "decision": notification.get_verb_display(),
            "label": quoted(notification.target_label, limit=60),
        }
        return subject_line(_("[%(site)s] Moderation decision: %(decision)s — %(label)s") % values)
    values["name"] = quoted(notification.actor.public_name if notification.actor else "")
    if notification.kind == NotificationKind.REPLY:
        return subject_line(_("[%(site)s] %(name)s replied to you") % values)
    return subject_line(_("[%(site)s] %(name)s mentioned you") % values)


def notification_send_email(*, notification_id: int) -> bool:
    """E-mail one notification if its recipient still wants e-mail and may still see
    what it is about. Returns whether it sent. Idempotent: the row is locked, and once
    sent (or found no longer wanted) it is no longer ``email_pending``, so a redelivered
    or re-swept job sends nothing twice."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    from apps.common.site import absolute_url

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "actor")
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
            and selectors.notification_visible(user=recipient, notification=notification)
        ):
            # Not wanted any more: settled, so the sweep does not try again.
            notification.email_pending = False
            notification.save(update_fields=["email_pending"])
            return False
        context = {
            "notification": notification,
            "recipient": recipient,
            "site_name": settings.SITE_NAME,
            "link": absolute_url(notification.target_url) if notification.target_url else "",
            "inbox_link": absolute_url(reverse("notifications:list")),
        }
        # In the recipient's language, not the worker's (ADR 0012).
        with translation.override(language_for(recipient)):
            subject = notification_email_subject(notification)
            message = render_to_string("notifications/email/notification.txt", context)
        send_mail(subject, message, None, [recipient.email])
        notification.emailed_at = timezone.now()
        notification.email_pending = False
        notification.save(update_fields=["emailed_at", "email_pending"])
    return True


# An e-mail normally leaves within seconds; one still owed after this lost its job (broker
# down at write time, or the mail server down longer than the task's retries).
NOTIFICATION_EMAIL_SWEEP_AFTER = timedelta(minutes=5)
# After a long outage, mail about a days-old reply is noise: the notification has long
# been in the app. A weekend's outage is still caught up; older e-mails are dropped. Not
# a moderation decision: one about one's own contribution is worth telling late.
NOTIFICATION_EMAIL_MAX_AGE = timedelta(days=3)
NOTIFICATION_EMAIL_SWEEP_BATCH = 500


def notifications_sweep_unsent(*, send: Callable[[int], object], now=None) -> list[int]:
    """Re-send e-mails whose job was lost: ``send(notification_id)`` (the sweep task
    passes ``send_notification_email.delay``; the first failure ends the sweep until the
    next beat). Returns the ids sent.

    Picks notifications whose e-mail is still owed (``email_pending``), older than
    ``NOTIFICATION_EMAIL_SWEEP_AFTER`` and unread; e-mails older than
    ``NOTIFICATION_EMAIL_MAX_AGE`` (decisions excepted), or about a notification already
    read in the app, are given up (no longer pending). Safe to run any time and to overlap a job still on its
    way: the task sends at most once per notification."""
    now = now or timezone.now()
    given_up = (
        Notification.objects.filter(email_pending=True)
        .filter(
            Q(created__lt=now - NOTIFICATION_EMAIL_MAX_AGE) & ~Q(kind=NotificationKind.DECISION)
            | Q(read_at__isnull=False)
        )
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
