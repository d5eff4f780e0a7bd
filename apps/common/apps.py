from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "apps.common"

    def ready(self) -> None:
        from . import checks, site  # noqa: F401 - checks register

        post_migrate.connect(site.sync_site, sender=self, dispatch_uid="common-sync-site")
