from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"

    def ready(self) -> None:
        from . import page_cache, viewer_cache

        page_cache.connect_signals()
        viewer_cache.connect_signals()
