"""How the moderation console acts on annotations (apps/moderation/registry.py),
registered in AnnotationsConfig.ready(). Decisions go through the annotations services
(annotation_hide / annotation_restore / annotation_approve), which check that the actor
may moderate annotations (global moderators: annotations belong to no country)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from apps.moderation.registry import TargetAdapter

from . import selectors, services
from .models import Annotation, Visibility


class AnnotationAdapter(TargetAdapter):
    model = Annotation
    # Annotations are not sent back for changes: a moderator keeps or hides them.
    decisions = frozenset({"publish", "reject", "hide", "restore", "spam"})

    def get(self, object_id):
        try:
            return (
                Annotation.objects.select_related("source", "author").filter(pk=object_id).first()
            )
        except (ValueError, TypeError, ValidationError):
            return None

    def label(self, obj) -> str:
        # Copied into review items and audit rows: a private note's text never is.
        if obj.visibility == Visibility.PRIVATE:
            return (_("Private annotation #%(id)s on “%(source)s”") % {
                "id": obj.pk, "source": obj.source.title,
            })[:300]  # fmt: skip

        # What is judged first (the body: a flagged "CHEAP LOANS…" must show as that),
        # then where it sits; a highlight without a body shows its quote.
        def clip(text: str, size: int) -> str:
            return Truncator(" ".join((text or "").split())).chars(size)

        if not (obj.body or "").strip():
            return (_("Highlight of “%(quote)s” in “%(source)s”") % {
                "quote": clip(obj.exact, 120), "source": clip(obj.source.title, 80),
            })[:300]  # fmt: skip
        return (_("Annotation: “%(body)s” (on “%(quote)s” in “%(source)s”)") % {
            "body": clip(obj.body, 160), "quote": clip(obj.exact, 40),
            "source": clip(obj.source.title, 60),
        })[:300]  # fmt: skip

    def author(self, obj):
        return obj.author

    def state(self, obj) -> dict:
        return {
            "hidden": obj.hidden,
            "awaiting_approval": obj.awaiting_approval,
            "deleted": obj.deleted_at is not None,
            "visibility": obj.visibility,
        }

    def is_visible_to(self, obj, user) -> bool:
        return selectors.can_see(viewer=user, annotation=obj)

    def _refresh(self, obj) -> None:
        obj.refresh_from_db()

    def publish(self, obj, *, actor, reason):
        # Approve a pre-moderated annotation; on a flagged one, keep it (show it again
        # if the flags had hidden it pending review).
        services.annotation_approve(annotation=obj, moderator=actor)
        services.annotation_restore(annotation=obj, moderator=actor)
        self._refresh(obj)

    def restore(self, obj, *, actor, reason):
        services.annotation_restore(annotation=obj, moderator=actor)
        self._refresh(obj)

    def _hide(self, obj, actor) -> None:
        # Decided: hidden, and no longer "awaiting" (a later restore shows it).
        services.annotation_hide(annotation=obj, moderator=actor)
        services.annotation_approve(annotation=obj, moderator=actor)
        self._refresh(obj)

    def reject(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def hide(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def spam(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def hide_pending_review(self, obj):
        services.annotation_hide_pending_review(annotation=obj)
        self._refresh(obj)


def register() -> None:
    from apps.moderation.registry import register_target

    register_target("annotation", AnnotationAdapter())
