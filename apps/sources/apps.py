from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "apps.sources"

    def ready(self) -> None:
        from .subscribers import connect

        connect()
        from apps.common import http_cache

        from . import models

        for model in (
            models.Source,
            models.Document,
            models.SourceMaintainer,
            models.Passage,
            models.Translation,
            models.AlignedPair,
        ):
            http_cache.declare(model)
        http_cache.declare(models.Source.history.model)

        from .moderation import register

        register()

        from apps.moderation.history_views import register_history_type

        from .history import SOURCE_HISTORY

        register_history_type("source", SOURCE_HISTORY)
