from celery import shared_task

from . import services


# Soft limit: a 2,000-page PDF extracts in well under 5 minutes here; past that the import
# is stuck. Hard limit kills a worker process that ignores the soft one.
@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, max_retries=3)
def import_document(document_id: int) -> str:
    document = services.document_import(document_id=document_id)
    return document.status


@shared_task(soft_time_limit=60, time_limit=90)
def sweep_stalled_imports() -> list[int]:
    return services.document_retry_stalled()
