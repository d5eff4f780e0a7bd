"""What the atlas does when an event is published (``apps/common/events.py``); connected
from ``AtlasConfig.ready``. Services publish; the work that follows is chosen here, so
services never import tasks (tasks call services and selectors)."""

from __future__ import annotations

from apps.common import events
from apps.search.services import search_index_example

from . import cache, tasks


def aggregates_changed(**payload) -> None:
    """``atlas.published_set_changed`` (publish, edit of a published entry, archive,
    restore, merge, research status) and ``user.shadow_hidden_changed`` (the user's
    entries leave or rejoin the public figures): stale aggregates go at once, and the
    unfiltered snapshot is rebuilt in the background (the beat repairs a lost job)."""
    cache.bump_generation()
    tasks.rebuild_atlas_snapshot.delay_on_commit()


def reanchor_passage_quotes(*, document_id: int) -> None:
    """``source.version_ready``: move quoted passage links onto the new current version."""
    tasks.reanchor_passage_quotes.delay_on_commit(document_id)


def index_entry(*, example_id: int) -> None:
    """``entry.text_changed``: rewrite the entry's search vector (one statement). It runs
    after commit, so a search made in the meantime finds the entry's previous text; a
    failure is logged (``manage.py search_reindex`` rebuilds every vector)."""
    search_index_example(example_id=example_id)


def connect() -> None:
    events.subscribe("atlas.published_set_changed", aggregates_changed)
    events.subscribe("user.shadow_hidden_changed", aggregates_changed)
    events.subscribe("source.version_ready", reanchor_passage_quotes)
    events.subscribe("entry.text_changed", index_entry)
