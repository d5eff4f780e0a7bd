"""Reads for moderation, and the visibility helpers other apps' selectors call."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast

from . import permissions
from .models import HiddenContent, ModerationNotice, UserModerationState


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


def hidden_ids_for(model) -> QuerySet:
    """A subquery of the primary keys of ``model`` rows hidden by moderation (the
    HiddenContent table), cast to the key's type so PostgreSQL can compare them."""
    pk_field = model._meta.pk
    output_field = (
        models.BigIntegerField() if pk_field.get_internal_type().endswith("AutoField") else pk_field
    )
    return (
        HiddenContent.objects.filter(content_type=ContentType.objects.get_for_model(model))
        .annotate(target_pk=Cast("object_id", output_field=output_field))
        .values("target_pk")
    )


def exclude_hidden(queryset: QuerySet) -> QuerySet:
    """``queryset`` without the rows moderation hid (one subquery). For public lists of
    target types that keep no visibility field of their own, such as sources."""
    return queryset.exclude(pk__in=hidden_ids_for(queryset.model))


def is_hidden(obj) -> bool:
    return HiddenContent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).exists()


def notices_for_user(*, user) -> QuerySet:
    return ModerationNotice.objects.filter(recipient=user).order_by("-created", "-id")
