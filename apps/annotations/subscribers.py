"""What the annotations app does when an event is published (``apps/common/events.py``);
connected from ``AnnotationsConfig.ready``. Services publish; the jobs that follow are
chosen here, so services never import tasks (tasks call services). A broker outage is
logged by ``delay_on_commit``; the sweeps in ``tasks.py`` send the work later."""

from __future__ import annotations

from apps.common import events
from apps.search.services import search_index_annotation

from . import group_selectors, live, tasks


def reanchor(*, document_id: int) -> None:
    """``source.version_ready`` (a version became current) and
    ``annotation.reanchor_needed`` (an annotation was placed by hand on an older
    version): re-anchor the source's annotations onto that version in the background."""
    tasks.reanchor_document.delay_on_commit(document_id)


def index_annotation(*, annotation_id: int, **_payload) -> None:
    """``annotation.created`` / ``updated`` / ``deleted``: rewrite its search vector, or
    drop it once deleted. Hiding and approval change who may find it, not what it says:
    visibility is applied when searching, so they need no indexing."""
    search_index_annotation(annotation_id=annotation_id)


def live_created(*, annotation_id: int) -> None:
    """``annotation.created``: readers of the source may show it (``live.py``)."""
    live.broadcast(live.CREATED, annotation_id=annotation_id)


def live_updated(*, annotation_id: int, was_public: bool | None = None, **_more) -> None:
    live.broadcast(live.UPDATED, annotation_id=annotation_id, was_public=was_public)


def live_deleted(*, annotation_id: int) -> None:
    live.broadcast(live.DELETED, annotation_id=annotation_id)


def live_hidden(*, annotation_id: int) -> None:
    live.broadcast(live.UPDATED, annotation_id=annotation_id, moderated="hidden")


def live_shown(*, annotation_id: int) -> None:
    """``annotation.restored`` and ``annotation.approved``: new to the public."""
    live.broadcast(live.UPDATED, annotation_id=annotation_id, moderated="shown")


def live_groups_changed(*, group_id: int, user_id: int) -> None:
    """``group.membership_changed``: the user's open reader sockets re-check their groups."""
    live.groups_changed(user_id=user_id)


def live_group_created(*, group_id: int) -> None:
    """``group.created``: its owner's open reader sockets start listening to it."""
    creator_id = group_selectors.group_creator_id(group_id=group_id)
    if creator_id is not None:
        live.groups_changed(user_id=creator_id)


def tags_changed(*, annotation_id: int, old_tags: str = "", **_more) -> None:
    """Any ``annotation.*`` write: recount the tags it had and has (``TagUsage``, the
    site-wide tag suggestions), in the background."""
    tasks.refresh_tag_usage.delay_on_commit(annotation_id, old_tags)


def author_tags_changed(*, user_id: int) -> None:
    """``user.shadow_hidden_changed``: their public tags appear or disappear."""
    tasks.refresh_author_tag_usage.delay_on_commit(user_id)


def connect() -> None:
    for name in (
        "annotation.created", "annotation.updated", "annotation.deleted",
        "annotation.hidden", "annotation.restored", "annotation.approved",
    ):  # fmt: skip
        events.subscribe(name, tags_changed)
    events.subscribe("user.shadow_hidden_changed", author_tags_changed)
    # Indexed before the live message goes out: a reader told of a new annotation may
    # search for it at once.
    for name in ("annotation.created", "annotation.updated", "annotation.deleted"):
        events.subscribe(name, index_annotation)
    events.subscribe("annotation.created", live_created)
    events.subscribe("annotation.updated", live_updated)
    events.subscribe("annotation.deleted", live_deleted)
    events.subscribe("annotation.hidden", live_hidden)
    events.subscribe("annotation.restored", live_shown)
    events.subscribe("annotation.approved", live_shown)
    events.subscribe("group.membership_changed", live_groups_changed)
    events.subscribe("group.created", live_group_created)
    events.subscribe("source.version_ready", reanchor)
    events.subscribe("annotation.reanchor_needed", reanchor)
