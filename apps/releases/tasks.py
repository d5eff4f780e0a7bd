from celery import shared_task

from . import services


# Idempotent (a ready release is left alone, written files are kept), so late acks and a
# redelivery are harmless. Soft limit: 100,000 entries freeze and write in about a minute
# on PostgreSQL (docs/benchmarks.md, "Releases"); ten minutes means something is wrong,
# and the release is marked failed for a moderator to retry. The hard limit frees the worker.
@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def build_release(release_id: int) -> str:
    return services.release_build(release_id=release_id).status
