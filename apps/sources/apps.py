from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "apps.sources"

    def ready(self) -> None:
        from .subscribers import connect

        connect()

        from .moderation import register

        register()

        from apps.moderation.history_views import register_history_type

        from .history import SOURCE_HISTORY

        register_history_type("source", SOURCE_HISTORY)
