"""The public tag vocabulary behind the search box's tag suggestions (issue 18).

Counting every public tag is one grouped query over all public annotations (0.3-0.5 s on
200,000 of them): it used to run on the first keystroke after *any* annotation write, a
hot path. Now the vocabulary is rebuilt off the request path and served stale meanwhile:

- The cache keeps ``{tag: count}`` with the versions of ``TAG_DEPENDS_ON`` it was counted
  at. A request whose versions match serves it as it is (a dictionary scan).
- After a write the versions differ: the request still answers from the kept vocabulary
  and enqueues ``tasks.rebuild_tag_vocabulary`` (once: a cache lock), which recounts in a
  worker. Until then a new tag is not suggested yet and counts may be a write behind.
- A stale vocabulary is never trusted about visibility: the tags a request is about to
  suggest are checked against the public annotations in one query
  (``selectors.public_tags_among``; each answer kept until the next write), so a tag
  whose annotations were made private, hidden or deleted is never offered, even then.
  Under a stream of writes the recount runs at most once per ``REBUILD_LOCK_SECONDS``.
Only a cold cache (no vocabulary at all) counts on the request path.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache

from apps.common import http_cache

from . import selectors

TAG_DEPENDS_ON = (
    "annotations.Annotation",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
)
VOCABULARY_KEY = "search-suggest-tags:vocabulary"
REBUILD_LOCK_KEY = "search-suggest-tags:rebuilding"
# A lost task (broker down, worker killed) only delays the next rebuild this long.
REBUILD_LOCK_SECONDS = 30
logger = logging.getLogger(__name__)


def vocabulary_rebuild() -> dict[str, int]:
    """Recount the public tags and keep them with the versions they were counted at.
    Called by the task (and on a cold cache). The versions are read *before* counting,
    so a write during the count leaves the result stale, never wrongly fresh."""
    versions = http_cache.versions(TAG_DEPENDS_ON)
    counts = selectors.public_tag_counts()
    cache.set(VOCABULARY_KEY, (versions, counts), None)
    # The lock is left to expire: under a stream of writes the count runs at most once
    # per REBUILD_LOCK_SECONDS, not once per write.
    return counts


def suggested_tags(matches, *, limit: int) -> list[tuple[int, str]]:
    """``(count, tag)`` of at most ``limit`` public tags for which ``matches(tag)`` is
    true, most used first."""
    kept = cache.get(VOCABULARY_KEY)
    current = http_cache.versions(TAG_DEPENDS_ON)
    if kept is None:
        versions, counts = current, vocabulary_rebuild()
    else:
        versions, counts = kept
    found = sorted(
        ((count, tag) for tag, count in counts.items() if matches(tag)),
        key=lambda item: (-item[0], item[1]),
    )
    if versions == current:
        return found[:limit]
    _schedule_rebuild()
    # Stale: a few spares in case some are no longer public.
    candidates = found[: limit * 2]
    public = _still_public([tag for _count, tag in candidates], versions=current)
    return [item for item in candidates if item[1] in public][:limit]


def _still_public(tags: list[str], *, versions: str) -> set[str]:
    """Which of ``tags`` a public annotation has now. Each answer is kept for the current
    versions (until the next write), so typing on asks the database once per tag."""
    if not tags:
        return set()
    keys = {
        tag: f"search-suggest-tags:public:{versions}:{hashlib.sha1(tag.encode()).hexdigest()}"
        for tag in tags
    }
    known = cache.get_many(list(keys.values()))
    unknown = [tag for tag in tags if keys[tag] not in known]
    public = {tag for tag in tags if known.get(keys[tag])}
    if unknown:
        found = selectors.public_tags_among(unknown)
        public |= found
        cache.set_many({keys[tag]: tag in found for tag in unknown}, REBUILD_LOCK_SECONDS * 10)
    return public


def _schedule_rebuild() -> None:
    if not cache.add(REBUILD_LOCK_KEY, 1, REBUILD_LOCK_SECONDS):
        return  # one is on its way
    from . import tasks

    try:
        tasks.rebuild_tag_vocabulary.delay()
    except Exception:  # noqa: BLE001 - a broker outage must not fail a suggestion
        logger.warning("Could not enqueue the tag vocabulary rebuild", exc_info=True)
