from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "apps.moderation"

    def ready(self) -> None:
        # Content types register their own adapters (apps/<app>/moderation.py).
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed

        from apps.common import http_cache, me

        from . import models, selectors, signals
        from .subscribers import connect

        connect()
        me.register("moderation", selectors.personal_layer)
        from apps.notifications.registry import register_verbs

        register_verbs("decision", dict(models.Decision.choices))
        for model in (
            models.HiddenContent,
            models.UserModerationState,
            models.ModeratorScope,
            models.ReviewItem,
            models.Flag,
        ):
            http_cache.declare(model)

        user_logged_in.connect(signals.warm_nav_flag, dispatch_uid="moderation-warm-nav")
        m2m_changed.connect(
            signals.groups_changed,
            sender=get_user_model().groups.through,
            dispatch_uid="moderation-groups-changed",
        )
