"""Keeping the aggregates fresh: every write that changes the published set (publish,
edit of a published entry, archive, restore, merge, research status) calls
``published_set_changed`` inside its transaction."""

from __future__ import annotations

import logging

from django.db import transaction

from .. import cache as atlas_cache

logger = logging.getLogger(__name__)


def published_set_changed() -> None:
    """After commit: stale aggregates go, and the snapshot is rebuilt in the background."""

    def after_commit() -> None:
        atlas_cache.bump_generation()
        from ..tasks import rebuild_atlas_snapshot

        try:
            rebuild_atlas_snapshot.delay()
        except Exception:  # noqa: BLE001 - a broker outage must not fail the write
            logger.exception("Could not enqueue the atlas snapshot rebuild; the beat will.")

    transaction.on_commit(after_commit)
