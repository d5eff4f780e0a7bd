"""What the coding app does when an event is published (apps/common/events.py)."""

from __future__ import annotations

from apps.common import events

from . import services, tasks


def reanchor(*, document_id: int) -> None:
    """``source.version_ready``: move value citations onto the new current version."""
    tasks.reanchor_citations.delay_on_commit(document_id)


def record_codebook(*, example_id: int, **_payload) -> None:
    """Every entry write: remember the codebook the new entry version was coded under.
    On commit, one small insert; idempotent (services.record_entry_codebook)."""
    services.record_entry_codebook(example_id=example_id)


def connect() -> None:
    events.subscribe("source.version_ready", reanchor)
    for name in ("entry.created", "entry.updated", "entry.status_changed"):
        events.subscribe(name, record_codebook)
