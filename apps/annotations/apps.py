from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REANCHOR_SWEEP_BEAT_ENTRY = {
    "task": "apps.annotations.tasks.sweep_missing_anchors",
    # Re-anchoring is enqueued when a version becomes ready; this only repairs jobs lost
    # while the broker was down, so every ten minutes is plenty.
    "schedule": 600.0,
}


TAG_USAGE_BEAT_ENTRY = {
    "task": "apps.annotations.tasks.rebuild_tag_usage",
    # Writes keep the counts per tag; this repairs what no event announces (a source
    # hidden by moderation, a job lost while the broker was down). Nightly is plenty.
    "schedule": 24 * 3600.0,
}


class AnnotationsConfig(AppConfig):
    name = "apps.annotations"
    verbose_name = _("Annotations")

    def ready(self) -> None:
        from django.conf import settings

        # As apps/atlas/apps.py does: Celery reads the schedule lazily from settings.
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "annotations-reanchor-sweep", REANCHOR_SWEEP_BEAT_ENTRY
        )
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "annotations-tag-usage-rebuild", TAG_USAGE_BEAT_ENTRY
        )

        from .subscribers import connect

        connect()
        from apps.common import http_cache

        from . import models

        for model in (
            models.Annotation, models.AnnotationAnchor, models.HighlightLegendEntry,
            models.TagUsage,
        ):  # fmt: skip
            http_cache.declare(model)
        http_cache.declare(models.Annotation.history.model)

        from .moderation import register

        register()

        from apps.notifications.registry import register_subject

        from . import selectors

        # Replies and mentions show in the inbox while their reader may see them (a
        # reply later deleted, hidden or made private drops out); moderators are not
        # told about hidden content there, so no permission lookup is needed.
        register_subject(
            models.Annotation,
            lambda user: models.Annotation.objects.filter(
                selectors.visibility_q(user, moderator=False), deleted_at__isnull=True
            ),
        )

        from apps.moderation.history_views import register_history_type

        from .history import ANNOTATION_HISTORY

        register_history_type("annotation", ANNOTATION_HISTORY)

    def reader_extension(self, request, *, source, document) -> dict:
        """Highlights, the Annotate button and form, threads, counts (reader page)."""
        from .reader import reader_extension

        return reader_extension(request, source=source, document=document)
