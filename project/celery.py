"""The Celery application. Configuration lives in settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

# Every task is apps.common.tasks.Task: Celery's DjangoTask (delay_on_commit) whose
# enqueue failures are logged, never raised into a user's write.
app = Celery("project", task_cls="apps.common.tasks:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
