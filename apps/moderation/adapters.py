"""Adapters for target types whose apps do not register their own. Sources are the first
real target: user uploads are reviewed after the fact (the source is visible meanwhile);
rejecting, hiding or marking one as spam hides it from the public lists."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from . import permissions
from .models import HiddenContent, HiddenReason
from .registry import TargetAdapter


class SourceAdapter(TargetAdapter):
    decisions = frozenset({"publish", "reject", "hide", "restore", "spam"})

    @property
    def model(self):
        from apps.sources.models import Source

        return Source

    def label(self, obj) -> str:
        return obj.title[:300]

    def author(self, obj):
        return obj.added_by

    def _hidden(self, obj) -> HiddenContent | None:
        return HiddenContent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        ).first()

    def state(self, obj) -> dict:
        hidden = self._hidden(obj)
        return {
            "hidden": hidden is not None,
            "hidden_reason": hidden.hidden_reason if hidden else None,
        }

    def is_visible_to(self, obj, user) -> bool:
        return permissions.is_moderator(user) or self._hidden(obj) is None

    def _hide(self, obj, actor, hidden_reason=HiddenReason.MODERATOR) -> None:
        from .services import content_hide

        content_hide(target=obj, actor=actor, hidden_reason=hidden_reason)

    def _show(self, obj) -> None:
        from .services import content_unhide

        content_unhide(target=obj)

    # Accepting an upload, or keeping a flagged source, makes it visible again.
    def publish(self, obj, *, actor, reason):
        self._show(obj)

    def restore(self, obj, *, actor, reason):
        self._show(obj)

    def reject(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def hide(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def spam(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def hide_pending_review(self, obj):
        self._hide(obj, None, HiddenReason.PENDING_REVIEW)
