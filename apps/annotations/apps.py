from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REANCHOR_SWEEP_BEAT_ENTRY = {
    "task": "apps.annotations.tasks.sweep_missing_anchors",
    # Re-anchoring is enqueued when a version becomes ready; this only repairs jobs lost
    # while the broker was down, so every ten minutes is plenty.
    "schedule": 600.0,
}

EMAIL_SWEEP_BEAT_ENTRY = {
    "task": "apps.annotations.tasks.sweep_unsent_notification_emails",
    # Sends reply/mention e-mails whose job was lost (broker down at write time, mail
    # server down past the task's retries). Every five minutes: once the broker is back, a
    # lost e-mail leaves within minutes, as the sweep only takes those older than five.
    "schedule": 300.0,
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
        settings.CELERY_BEAT_SCHEDULE.setdefault("annotations-email-sweep", EMAIL_SWEEP_BEAT_ENTRY)

        from .subscribers import connect

        connect()
        from apps.common import http_cache

        from . import models

        for model in (models.Annotation, models.AnnotationAnchor, models.Notification):
            http_cache.declare(model)
        http_cache.declare(models.Annotation.history.model)

        from .moderation import register

        register()

        from apps.common import me

        from . import selectors

        me.register("annotations", selectors.personal_layer)

        from apps.moderation.history_views import register_history_type

        from .history import ANNOTATION_HISTORY

        register_history_type("annotation", ANNOTATION_HISTORY)

    def reader_extension(self, request, *, source, document) -> dict:
        """Highlights, the Annotate button and form, threads, counts (reader page)."""
        from .reader import reader_extension

        return reader_extension(request, source=source, document=document)
