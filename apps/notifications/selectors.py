"""Reads of the inbox: a person's notifications (only those about things they may still
see), the unread count, and this app's part of ``GET /api/me/``."""

from __future__ import annotations

from django.db.models import QuerySet

from . import registry
from .models import Notification


def notifications_for_user(*, user) -> QuerySet:
    """``user``'s notifications, newest first. A reply later deleted, hidden or made
    private, or a comment on an entry the recipient can no longer see, drops out
    (``registry.visible_q``). One query."""
    return (
        Notification.objects.filter(recipient=user)
        .filter(registry.visible_q(user))
        .select_related("actor")
        .order_by("-created", "-id")
    )


def notification_visible(*, user, notification: Notification) -> bool:
    """The same rule for one notification in memory (the e-mail job asks it)."""
    return notifications_for_user(user=user).filter(pk=notification.pk).exists()


def unread_notification_count(*, user) -> int:
    """How many of ``user``'s unread notifications they may still read. Nothing unread
    at all (most people, most of the time) is one indexed lookup: building the
    visibility rules of every subject type cost ~6 ms of Python on each /api/me/, more
    than the query (docs/benchmarks.md); with something unread, they are applied."""
    if user is None or not user.is_authenticated:
        return 0
    if not Notification.objects.filter(recipient=user, read_at__isnull=True).exists():
        return 0
    return notifications_for_user(user=user).filter(read_at__isnull=True).count()


def personal_layer(request, user) -> dict:
    """This app's part of ``GET /api/me/`` (apps/common/me.py): the unread count the
    header shows, and where the list is."""
    from django.urls import reverse

    return {
        "unread": {"notifications": unread_notification_count(user=user)},
        "links": {"notifications": reverse("notifications:list")},
    }
