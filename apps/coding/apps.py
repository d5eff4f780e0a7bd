from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingConfig(AppConfig):
    """Value citations, codebook versions, blind double coding and agreement (ADR 0011).
    Sits just above the atlas: it imports the atlas, and fills the atlas's hooks
    (apps/atlas/extensions.py) so entries, exports and publishing know of it."""

    name = "apps.coding"
    verbose_name = _("Coding")

    def ready(self) -> None:
        from apps.common import http_cache

        from . import models

        for model in (
            models.CodebookVersion,
            models.EntryCodebookVersion,
            models.ValueCitation,
            models.CodingRequest,
            models.Coding,
        ):
            http_cache.declare(model)

        from .hooks import register

        register()

        from .subscribers import connect

        connect()
