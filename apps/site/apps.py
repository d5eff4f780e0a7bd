from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top app layer: the home page and the starter data command. No models."""

    name = "apps.site"
    label = "site"
