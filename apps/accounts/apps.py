from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"

    def ready(self) -> None:
        from django.contrib.auth.models import Group

        from apps.common import http_cache

        from . import orcid  # noqa: F401  (allauth's connect/disconnect signals)
        from .models import User

        # Names show on every public payload; a sign-in or a new password shows nowhere.
        http_cache.declare(User, ignore_fields={"last_login", "password", "language"})
        http_cache.declare(Group)  # roles (moderators, editors)
