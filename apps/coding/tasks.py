"""Thin Celery shells over services: ids in, idempotent."""

from celery import shared_task

from . import services


# A source's citations are few (hundreds at most); a minute means a pathological text.
# Safe to redeliver: citations already on the version are skipped.
@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, max_retries=3)
def reanchor_citations(document_id: int) -> dict:
    return services.citations_reanchor(document_id=document_id)
