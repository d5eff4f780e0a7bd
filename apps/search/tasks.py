"""Saved-search e-mail digests and the "did you mean" vocabulary (Celery beat:
project/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import saved_searches, spelling
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


# One grouped pass over the public text (a few seconds at 100,000 passages); the limits
# free the worker if the database stalls. Idempotent: each run replaces the vocabulary.
@shared_task(soft_time_limit=300, time_limit=360)
def rebuild_vocabulary() -> int:
    return spelling.vocabulary_rebuild()


# One search per saved search with in-app alerts (tens of milliseconds each); the limits
# cut a run that the database stalls. Each saved search remembers what it announced
# (``seen_in_app``), so a cut run is finished by the next one without repeats.
@shared_task(soft_time_limit=600, time_limit=660)
def send_in_app_alerts() -> int:
    return saved_searches.saved_searches_send_in_app()
