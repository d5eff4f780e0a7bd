from celery import shared_task

from . import services


# Soft limit: one SMTP conversation takes seconds; a minute means the server is hanging.
# Retries with backoff cover a mail server that is briefly down; the state guard
# (email_handled_at) makes a redelivered task send nothing twice.
@shared_task(
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notice_email(notice_id: int) -> str:
    return services.notice_send_email(notice_id=notice_id)


# Scans at most 500 rows and enqueues; 60 seconds is ample.
@shared_task(soft_time_limit=60, time_limit=90)
def sweep_unsent_notices() -> list[int]:
    return services.notices_sweep_unsent(send=send_notice_email.delay)
