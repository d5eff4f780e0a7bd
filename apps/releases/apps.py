from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReleasesConfig(AppConfig):
    name = "apps.releases"
    verbose_name = _("Dataset releases")

    def ready(self) -> None:
        from apps.common import http_cache

        from . import models

        for model in (models.Release, models.ReleaseEntry, models.ReleaseFile):
            http_cache.declare(model)

        from .as_of import register

        register()

        from .subscribers import connect

        connect()
