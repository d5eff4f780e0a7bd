"""Saved-search e-mail digests (Celery beat: project/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import saved_searches
from .models import AlertFrequency


# Soft limit: one search per saved search (tens of milliseconds) and one SMTP conversation
# per user; ten minutes covers thousands of users, and a hanging mail server is cut off.
# Not retried as a whole: each saved search remembers what it announced (``seen``), so the
# next run sends what this one could not.
@shared_task(soft_time_limit=600, time_limit=660)
def send_daily_digests() -> int:
    return saved_searches.saved_searches_send_digests(frequency=AlertFrequency.DAILY)


@shared_task(soft_time_limit=600, time_limit=660)
def send_weekly_digests() -> int:
    return saved_searches.saved_searches_send_digests(frequency=AlertFrequency.WEEKLY)
