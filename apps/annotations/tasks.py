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


# One grouped query over the public annotations (under a second on 200,000); the limits
# free the worker if the database stalls. Idempotent: the latest count simply wins.
@shared_task(soft_time_limit=30, time_limit=60)
def rebuild_tag_vocabulary() -> int:
    from .tag_vocabulary import vocabulary_rebuild

    return len(vocabulary_rebuild())
