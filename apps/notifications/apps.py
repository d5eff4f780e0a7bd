from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EMAIL_SWEEP_BEAT_ENTRY = {
    "task": "apps.notifications.tasks.sweep_unsent_notification_emails",
    # Sends e-mails whose job was lost (broker down at write time, mail server down past
    # the task's retries). Every five minutes: once the broker is back, a lost e-mail
    # leaves within minutes, as the sweep only takes those older than five.
    "schedule": 300.0,
}


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.conf import settings

        # As apps/atlas/apps.py does: Celery reads the schedule lazily from settings.
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "notifications-email-sweep", EMAIL_SWEEP_BEAT_ENTRY
        )

        from apps.common import http_cache, me

        from . import models, selectors
        from .subscribers import connect

        connect()
        http_cache.declare(models.Notification)
        me.register("notifications", selectors.personal_layer)
