"""Reads for moderation, and the visibility helpers other apps' selectors call."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from . import permissions
from .models import UserModerationState


def is_shadow_hidden(user) -> bool:
    """Whether ``user``'s content is hidden from everyone but them and moderators."""
    if user is None or not user.is_authenticated:
        return False
    return UserModerationState.objects.filter(user=user, shadow_hidden=True).exists()


def is_premoderated(user) -> bool:
    """Whether ``user``'s new annotations must wait for a moderator."""
    if user is None or not user.is_authenticated:
        return False
    return UserModerationState.objects.filter(user=user, premoderate_annotations=True).exists()


def shadow_hidden_user_ids() -> QuerySet:
    """A subquery of the ids of shadow-hidden users (use with ``__in``)."""
    return UserModerationState.objects.filter(shadow_hidden=True).values("user_id")


def exclude_shadow_hidden(queryset: QuerySet, *, viewer, author_field: str = "author") -> QuerySet:
    """Drop rows whose author is shadow-hidden, except the viewer's own; moderators see
    everything. One subquery, no extra round trip.

    Example (annotations selector)::

        qs = exclude_shadow_hidden(qs, viewer=request.user, author_field="author")
    """
    if permissions.sees_shadow_hidden(viewer):
        return queryset
    hidden = Q(**{f"{author_field}__in": shadow_hidden_user_ids()})
    if viewer is not None and viewer.is_authenticated:
        hidden &= ~Q(**{author_field: viewer.pk})
    return queryset.exclude(hidden)
