"""Hiding content whose model has no visibility field of its own (a source): a
``HiddenContent`` row. For target adapters; the calling action audits."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from ..models import HiddenContent, HiddenReason


def content_hide(
    *, target: models.Model, actor, hidden_reason: str = HiddenReason.MODERATOR
) -> None:
    """Hide ``target`` from public lists. For adapters; the calling action audits."""
    content_type = ContentType.objects.get_for_model(target)
    HiddenContent.objects.update_or_create(
        content_type=content_type,
        object_id=str(target.pk),
        defaults={
            "hidden_reason": hidden_reason,
            "hidden_by": actor if actor is not None and actor.is_authenticated else None,
        },
    )


def content_unhide(*, target: models.Model) -> None:
    """Undo ``content_hide``; a no-op for visible content. For adapters."""
    HiddenContent.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).delete()
