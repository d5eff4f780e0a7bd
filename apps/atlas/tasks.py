from celery import shared_task

from . import passage_quotes
from .aggregates import selectors


# Idempotent (it only recomputes a cache entry), so late acks and redelivery are harmless.
# Soft limit: the GROUP BY over 100,000 entries takes well under a second; a minute means
# the database is in trouble and the next beat will try again. Hard limit frees the worker.
@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def rebuild_atlas_snapshot() -> int:
    return selectors.rebuild_snapshot()["total"]


# A source's quoted passage links are few; a minute means a pathological text. Safe to
# redeliver: links already on the version are skipped.
@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, max_retries=3)
def reanchor_passage_quotes(document_id: int) -> dict:
    return passage_quotes.passage_quotes_reanchor(document_id=document_id)
