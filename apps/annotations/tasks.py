"""Thin Celery shells over services: ids in, idempotent, JSON-serialisable results."""

from celery import shared_task

from . import services


# Soft limit: 10,000 annotations on a 50,000-character revision take about 5 s; a minute
# means something is badly wrong (a pathological text). Hard limit kills a stuck process.
# Safe to retry or redeliver: only annotations without an anchor on the version are done.
@shared_task(acks_late=True, soft_time_limit=120, time_limit=180, max_retries=3)
def reanchor_document(document_id: int) -> dict:
    return services.document_reanchor(document_id=document_id)


# One query over ready versions plus an enqueue per version found; a minute means the
# database is in trouble and the next beat will try again. Hard limit frees the worker.
@shared_task(soft_time_limit=60, time_limit=90)
def sweep_missing_anchors() -> list[int]:
    return services.reanchor_sweep(send=reanchor_document.delay)


# One SMTP exchange; 30 s covers a slow relay. Retried with backoff when the relay is down
# (past the retries, the sweep below sends it later); ``email_pending`` under a row lock
# makes a redelivery or a re-sweep send nothing twice.
@shared_task(
    acks_late=True,
    soft_time_limit=30,
    time_limit=45,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    return services.notification_send_email(notification_id=notification_id)


# At most 500 rows read and enqueued (a partial index holds only the owed e-mails); a
# minute means the database or broker is in trouble and the next beat tries again.
@shared_task(soft_time_limit=60, time_limit=90)
def sweep_unsent_notification_emails() -> list[int]:
    return services.notifications_sweep_unsent(send=send_notification_email.delay)
