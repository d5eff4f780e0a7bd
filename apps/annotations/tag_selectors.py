"""Tag suggestions from the tags in public use site-wide (``TagUsage``): one indexed
prefix query, most used first, cached until the vocabulary changes."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from apps.common import http_cache

from .models import TagUsage, tag_key

MAX_SUGGESTIONS = 20


def tag_suggestions(*, typed: str, limit: int = 8) -> list[tuple[str, int]]:
    """``[(tag, public count), …]`` whose tag starts with ``typed`` (any case; ":" may be
    typed as "-"), most used first. Public tags only, the same for everyone. Cached per
    prefix under ``TagUsage``'s version, which every recount bumps."""
    key = tag_key(" ".join((typed or "").split()))[:64]
    limit = max(1, min(limit, MAX_SUGGESTIONS))
    if not key:
        return []
    try:
        version = http_cache.versions((TagUsage,))
    except http_cache.VersionsUnavailable:  # no cache to keep versions in: ask each time
        return _query(key, limit)
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    cache_key = f"tag-suggest:{version}:{limit}:{digest}"
    found = cache.get(cache_key)
    if found is None:
        found = _query(key, limit)
        cache.set(cache_key, found, 24 * 3600)
    return [tuple(row) for row in found]


def _query(key: str, limit: int) -> list[tuple[str, int]]:
    return list(
        TagUsage.objects.filter(key__startswith=key, public_count__gt=0)
        .order_by("-public_count", "tag")
        .values_list("tag", "public_count")[:limit]
    )
