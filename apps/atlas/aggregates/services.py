"""Keeping the aggregates fresh: every write that changes the published set (publish,
edit of a published entry, archive, restore, merge, research status) calls
``published_set_changed`` inside its transaction."""

from __future__ import annotations

from apps.common import events


def published_set_changed() -> None:
    """Publish ``atlas.published_set_changed``: on commit, stale aggregates go and the
    snapshot is rebuilt in the background (``atlas/subscribers.py``); once per
    transaction however many writes call it."""
    events.publish("atlas.published_set_changed")
