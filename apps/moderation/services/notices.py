"""Notices: telling people about moderation decisions in the app and by e-mail (sent
after commit; a sweep re-sends e-mails whose job was lost)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.services import language_for
from apps.common import events, http_cache

from ..models import ModerationNotice, ReviewItem

logger = logging.getLogger(__name__)


def notice_create(
    *,
    recipient,
    item: ReviewItem | None,
    decision: str,
    reason: str,
    target_label: str = "",
    target_url: str = "",
) -> ModerationNotice:
    """Tell ``recipient`` in the app, and by e-mail after commit. Internal: called by the
    decision actions, and by other apps' moderator actions that decide without a review
    item (the atlas's merge: ``item`` None, with the label and link given)."""
    notice = ModerationNotice.objects.create(
        recipient=recipient,
        review_item=item,
        decision=decision,
        reason=reason,
        target_label=(target_label or (item.target_label if item is not None else ""))[:300],
        target_url=(target_url or (item.target_url if item is not None else ""))[:500],
    )
    # Its subscriber (moderation/subscribers.py) enqueues the e-mail.
    events.publish("notice.created", notice_id=notice.pk)
    return notice


def _absolute(path: str) -> str:
    """An absolute link on SITE_URL (empty stays empty)."""
    from apps.common.site import absolute_url

    return absolute_url(path) if path else path


def notice_email_subject(notice: ModerationNotice) -> str:
    """Plain text on one line; the target's title quoted and cut short."""
    from apps.common.email import quoted, subject_line

    return subject_line(
        _("[%(site)s] Moderation decision: %(decision)s — %(label)s")
        % {
            "site": settings.SITE_NAME,
            "decision": notice.get_decision_display(),
            "label": quoted(notice.target_label, limit=60),
        }
    )


def notice_send_email(*, notice_id: int) -> str:
    """E-mail one notice to its recipient, at most once. Returns what happened ("sent",
    "not wanted", "already handled", "missing")."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    with transaction.atomic():
        notice = (
            ModerationNotice.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None:
            return "missing"
        if notice.email_handled_at is not None:
            return "already handled"
        recipient = notice.recipient
        outcome = "not wanted"
        if recipient.email and recipient.is_active and recipient.email_notifications:
            context = {
                "notice": notice,
                "recipient": recipient,
                "site_name": settings.SITE_NAME,
                "link": _absolute(notice.target_url),
                "notices_link": _absolute(reverse("moderation:notices")),
            }
            # In the recipient's language, not the worker's (ADR 0012).
            with translation.override(language_for(recipient)):
                subject = notice_email_subject(notice)
                message = render_to_string("moderation/email/notice_body.txt", context)
            send_mail(
                subject=subject, message=message, from_email=None, recipient_list=[recipient.email]
            )
            outcome = "sent"
        notice.email_handled_at = timezone.now()
        notice.save(update_fields=["email_handled_at"])
    return outcome


def notices_sweep_unsent(
    *, send: Callable[[int], object], older_than_minutes: int = 10
) -> list[int]:
    """Re-send notices whose e-mail job was lost (broker down): ``send(notice_id)`` (the
    sweep task passes ``send_notice_email.delay``). Returns their ids."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        ModerationNotice.objects.filter(email_handled_at__isnull=True, created__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for notice_id in ids:
        send(notice_id)
    return ids


@transaction.atomic
def notices_mark_read(*, user, notice_ids: list[int] | None = None) -> int:
    """Mark ``user``'s notices (all, or the given ones) read. Returns how many changed."""
    qs = ModerationNotice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_ids is not None:
        qs = qs.filter(pk__in=notice_ids)
    return http_cache.update_and_invalidate(qs, read_at=timezone.now())
