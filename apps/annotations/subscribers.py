"""What the annotations app does when an event is published (``apps/common/events.py``);
connected from ``AnnotationsConfig.ready``. Services publish; the jobs that follow are
chosen here, so services never import tasks (tasks call services). A broker outage is
logged by ``delay_on_commit``; the sweeps in ``tasks.py`` send the work later."""

from __future__ import annotations

from apps.common import events

from . import tasks


def reanchor(*, document_id: int) -> None:
    """``source.version_ready`` (a version became current) and
    ``annotation.reanchor_needed`` (an annotation was placed by hand on an older
    version): re-anchor the source's annotations onto that version in the background."""
    tasks.reanchor_document.delay_on_commit(document_id)


def connect() -> None:
    events.subscribe("source.version_ready", reanchor)
    events.subscribe("annotation.reanchor_needed", reanchor)
