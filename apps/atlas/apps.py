from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

SNAPSHOT_BEAT_ENTRY = {
    "task": "apps.atlas.tasks.rebuild_atlas_snapshot",
    # Writes invalidate at once; this only repairs drift (admin bulk edits, a lost bump).
    "schedule": 600.0,
}


class AtlasConfig(AppConfig):
    name = "apps.atlas"
    verbose_name = _("Atlas")

    def ready(self) -> None:
        from django.conf import settings

        # Celery reads this dict lazily from settings, so adding to it here is enough;
        # settings.py stays the one place an operator looks, and nothing is duplicated.
        settings.CELERY_BEAT_SCHEDULE.setdefault("atlas-rebuild-snapshot", SNAPSHOT_BEAT_ENTRY)

        from apps.common import http_cache

        from . import models

        for model in (
            models.Category,
            models.Example,
            models.Evidence,
            models.PassageLink,
            models.CountryResearchStatus,
            models.SuggestedEdit,
            models.EntryComment,
            models.ExampleMerge,
            models.ExampleContributor,
            models.LifecycleEvent,
            models.Example.history.model,
            models.Evidence.history.model,
            models.PassageLink.history.model,
        ):
            http_cache.declare(model)

        from .review.adapters import register

        register()

        from .subscribers import connect

        connect()

        from apps.notifications.registry import register_subject

        from .discussion.selectors import comments_readable_in_inbox

        register_subject(models.EntryComment, comments_readable_in_inbox)

    def reader_extension(self, request, *, source, document):
        return {
            "templates": {
                "head": ["atlas/_head.html"],
                "body_end": ["atlas/_reader_selection.html"],
            }
        }

    def reader_passage_extension(self, *, source, document, passages):
        from .reader import reader_passage_extension

        return reader_passage_extension(source=source, document=document, passages=passages)
