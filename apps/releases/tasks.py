from celery import shared_task

from . import services


# Idempotent (a ready release is left alone, written files are kept), so late acks and a
# redelivery are harmless. Soft limit: a cut costs about half a millisecond per entry
# (docs/benchmarks.md, "Releases": about a minute for 100,000, minutes on a busy machine); half
# an hour means something is wrong, and the release is marked failed for a moderator to
# retry. The hard limit frees the worker. Releases are rare: one build at a time.
@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def build_release(release_id: int) -> str:
    return services.release_build(release_id=release_id).status
