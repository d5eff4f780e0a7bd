"""Thin Celery shells over services: ids in, idempotent, JSON-serialisable results."""

from celery import shared_task

from . import services


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
