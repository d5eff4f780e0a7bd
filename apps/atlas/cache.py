"""Cache keys for the atlas aggregates.

Every cached aggregate key carries a generation number. Publishing, changing or withdrawing
a published entry bumps the generation on commit, so all cached views (every filter
combination) go stale at once without enumerating keys; a bumped generation also makes
the rebuild task recompute the unfiltered snapshot the map and headline read first.
"""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache

from apps.common.http_cache import fresh_version as fresh_generation

GENERATION_KEY = "atlas:generation"
# Long enough that a warm map rarely recomputes; the periodic rebuild and the generation
# bump keep it fresh, so the timeout is only a backstop against a lost invalidation.
AGGREGATE_TIMEOUT = 60 * 60


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # add() does nothing if another process set it first. Never a number used before
        # the key was lost (eviction, restart): old aggregates may still be cached.
        cache.add(GENERATION_KEY, fresh_generation(), timeout=None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


def bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, fresh_generation(), timeout=None)


def aggregate_key(name: str, params: dict) -> str:
    digest = hashlib.sha1(
        json.dumps(params, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()[:16]
    return f"atlas:{name}:g{generation()}:{digest}"
