"""What the sources app does when an event is published (``apps/common/events.py``);
connected from ``SourcesConfig.ready``. Services publish; the jobs that follow are
chosen here, so services never import tasks (tasks call services)."""

from __future__ import annotations

from apps.common import events
from apps.search.services import search_index_document, search_index_source

from . import tasks


def import_uploaded_document(*, document_id: int) -> None:
    """``source.uploaded``: extract the new version in the background (imports queue).
    A broker outage is logged; ``tasks.sweep_stalled_imports`` sends it later."""
    tasks.import_document.delay_on_commit(document_id)


def align_translation(*, document_id: int) -> None:
    """``source.version_ready``: if the version is a translation's, align it with the
    original's passages (a no-op task for every other source)."""
    tasks.align_translation.delay_on_commit(document_id)


def index_version(*, document_id: int) -> None:
    """``source.version_ready`` (a published import, an accepted proposal, a withdrawal
    making an older version current again): index its passages and the source's record.
    A proposal is never indexed (it is not current). Idempotent."""
    search_index_document(document_id=document_id)


def index_source(*, source_id: int) -> None:
    """``source.updated`` (a steward corrected the record): re-index the source's search
    record (title, authors, abstract)."""
    search_index_source(source_id=source_id)


def connect() -> None:
    events.subscribe("source.uploaded", import_uploaded_document)
    events.subscribe("source.version_ready", align_translation)
    events.subscribe("source.version_ready", index_version)
    events.subscribe("source.updated", index_source)
