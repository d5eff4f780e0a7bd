"""Keeping the aggregates fresh: every write that changes the published set (publish,
edit of a published entry, archive, restore, merge, research status) calls
``published_set_changed`` inside its transaction."""

from __future__ import annotations

from apps.common import events

from .. import cache as atlas_cache


def published_set_changed() -> None:
    """Stale aggregates go now and again on commit, as the HTTP cache's versions do (ADR
    0007: a reader who cached the old figures between the write and the commit gets the
    new ones; the writer's own transaction sees them at once); the commit's event
    (``atlas.published_set_changed``, once per transaction however many writes call it)
    also rebuilds the snapshot in the background (``atlas/subscribers.py``)."""
    atlas_cache.bump_generation()
    events.publish("atlas.published_set_changed")
