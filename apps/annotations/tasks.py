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


# One recount of a handful of tags through the GIN index: milliseconds. Idempotent (the
# counts are recomputed, not incremented), so redelivery is harmless.
@shared_task(acks_late=True, soft_time_limit=30, time_limit=60, max_retries=3)
def refresh_tag_usage(annotation_id: int, old_tags: str = "") -> None:
    services.tag_usage_refresh_for_annotation(annotation_id=annotation_id, old_tags=old_tags)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def refresh_author_tag_usage(user_id: int) -> None:
    services.tag_usage_refresh_for_author(user_id=user_id)


# The nightly repair: one grouped query over every public annotation (about half a second
# on 200,000); ten minutes means the database is in trouble.
@shared_task(soft_time_limit=600, time_limit=660)
def rebuild_tag_usage() -> int:
    return services.tag_usage_rebuild()
