"""What the releases app does when an event is published (``apps/common/events.py``);
connected from ``ReleasesConfig.ready``."""

from __future__ import annotations

from apps.common import events

from . import tasks


def build_requested(*, release_id: int) -> None:
    """``release.build_requested`` (a release cut, or a failed one retried): build it in
    the background; the page polls its progress."""
    tasks.build_release.delay_on_commit(release_id)


def connect() -> None:
    events.subscribe("release.build_requested", build_requested)
