from billiard.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery import shared_task
from django.conf import settings

from apps.common.tasks import Task

from . import services
from .importers.limits import time_limit_message


class ImportTask(Task):
    """An import that ran out of time ends as a failed document, never as a retry."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Called in the worker's main process for the hard limit (the child that ran
        # the import was killed), in the child for an exception that escaped the
        # service. Only the time limits mean "this file is too costly"; anything else
        # (a database outage) leaves the document to the stalled-import sweep.
        if isinstance(exc, (TimeLimitExceeded, SoftTimeLimitExceeded)) and args:
            services.document_import_abandon(document_id=args[0], message=time_limit_message())


# Runs on its own queue (settings.CELERY_TASK_ROUTES → SOURCE_IMPORT_QUEUE), so a
# hostile upload holds an import worker, never the workers that send e-mails and
# re-anchor annotations (docs/deploy.md).
# Soft limit (SOURCE_IMPORT_SOFT_TIME_LIMIT, default 300 s): a 2,000-page PDF extracts
# in well under that here, so past it the file is hostile or broken; it raises inside
# the import, which records "could not be processed" (importers/limits.py). The PDF
# layout pass, in a child process, is killed at the same limit even with eager tasks.
# Hard limit (SOURCE_IMPORT_TIME_LIMIT, default soft + 60 s): kills a worker process
# stuck where the soft limit cannot reach (inside C code); on_failure marks the document
# failed, and the message is acknowledged (acks_on_failure_or_timeout), not redelivered.
@shared_task(
    base=ImportTask,
    acks_late=True,
    soft_time_limit=settings.SOURCE_IMPORT_SOFT_TIME_LIMIT,
    time_limit=settings.SOURCE_IMPORT_TIME_LIMIT,
    max_retries=3,
)
def import_document(document_id: int) -> str:
    document = services.document_import(document_id=document_id)
    return document.status


@shared_task(soft_time_limit=60, time_limit=90)
def sweep_stalled_imports() -> list[int]:
    return services.document_retry_stalled(send=import_document.delay)


# Deletes a few rows; a minute is far more than it needs.
@shared_task(soft_time_limit=60, time_limit=90)
def clean_pending_uploads() -> int:
    return services.pending_uploads_clean()


# Idempotent (an alignment made for this version is kept), so late acks are safe. A
# thousand-passage text aligns in a second or two (the search is banded); 60 s means
# something is wrong.
@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def align_translation(document_id: int) -> bool:
    return services.translation_align(document_id=document_id) is not None
