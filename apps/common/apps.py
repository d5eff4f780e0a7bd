from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "apps.common"

    def ready(self) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django.contrib.sites.models import Site
        from django.db.backends.signals import connection_created

        from . import checks, http_cache, planner, site  # noqa: F401 - checks register

        # The planner settings the site's queries are written for, on every connection.
        connection_created.connect(planner.apply, dispatch_uid="common-planner-settings")

        # Read by public payloads (moderation's generic relations; the feed's site).
        http_cache.declare(ContentType)
        http_cache.declare(Site)

        post_migrate.connect(site.sync_site, sender=self, dispatch_uid="common-sync-site")
