"""Live updates for readers (issue 14, docs/annotations.md "Live updates").

A reader page opens a WebSocket at ``/ws/sources/<slug>/`` (``consumers.py``) and joins
the source's public group and, when signed in, its own personal group for that source.
When an annotation write commits, the on-commit domain event (``subscribers.py``) lands
here and one small message goes to the groups allowed to know of it:

    {"type": "annotation.created" | "annotation.updated" | "annotation.deleted",
     "id": <annotation id>, "thread": <root id>, "passage": "<anchor>" | null,
     "mine": true}   # only on the author's own sockets


A reading group's note goes to that group's channel for the source (its members' sockets)
and its author's, never to the public group; when someone joins or leaves a group, their
open sockets re-check which group channels they listen to.

Ids only, never content: the page fetches what it may see through the normal API, so the
socket cannot leak a body. ``mine`` is added by the consumer on the author's own sockets
(the event carries the author's id, which is never forwarded), so a note written in
another tab shows at once on this one instead of waiting behind "N new — show". Even ids are addressed: a write nobody else may see (a private
note, a pre-moderated annotation, a shadow-hidden author's) goes only to its author's
personal group, never to the public group. A public annotation that stops being public
(made private, hidden, its author shadow-hidden) is announced to the public group as
deleted: those readers saw it, and now must drop it.

Channel layer: Redis (channels-redis) when REDIS_URL is set, so a write handled by any
web process or Celery worker reaches every ASGI process; in memory under ``make run``,
where one process does everything (project/settings.py, CHANNEL_LAYERS).
"""

from __future__ import annotations

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from . import selectors

logger = logging.getLogger(__name__)

CREATED = "annotation.created"
UPDATED = "annotation.updated"
DELETED = "annotation.deleted"
# The consumer method a group message is delivered to (``type`` "annotation.event").
HANDLER = "annotation.event"
GROUPS_CHANGED = "live.groups_changed"


def public_group(source_id: int) -> str:
    return f"live.source.{source_id}"


def personal_group(source_id: int, user_id: int) -> str:
    return f"live.source.{source_id}.user.{user_id}"


def reading_group(source_id: int, group_id: int) -> str:
    """A reading group's members reading the source (their group notes)."""
    return f"live.source.{source_id}.group.{group_id}"


def user_group(user_id: int) -> str:
    """Every open socket of one user, whatever the source: told when their reading
    groups change, so a leaver stops hearing of the group's notes at once."""
    return f"live.user.{user_id}"


def audiences(kind: str, target: selectors.LiveTarget, *, was_public: bool | None = None):
    """``[(group, message type)]`` for one committed change of ``target``. ``was_public``:
    whether the public saw it before this change, for changes that may alter that (an
    edit of visibility, a moderator's decision); ``None`` when the change cannot."""
    public = public_group(target.source_id)
    sends = [(personal_group(target.source_id, target.author_id), kind)]
    if target.group_id is not None and not target.author_shadow_hidden:
        # Group notes stay in their group: members only, whatever else is true of them.
        sends.append((reading_group(target.source_id, target.group_id), kind))
        return sends
    if kind == DELETED:
        if target.public:
            sends.append((public, DELETED))
    elif target.public:
        # Made public by this change (restored, approved, private → public): new to them.
        sends.append((public, CREATED if was_public is False else kind))
    elif was_public and not target.author_shadow_hidden:
        sends.append((public, DELETED))
    return sends


def groups_changed(*, user_id: int) -> None:
    """``group.membership_changed``: the user's open sockets re-check which reading
    groups they listen to (``consumers.SourceUpdatesConsumer.live_groups_changed``)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": GROUPS_CHANGED})
    except Exception:  # noqa: BLE001 - as in broadcast
        logger.warning("Live group change for user %s not sent", user_id, exc_info=True)


def broadcast(
    kind: str,
    *,
    annotation_id: int,
    was_public: bool | None = None,
    moderated: str | None = None,
) -> None:
    """Tell the groups allowed to know that ``annotation_id`` changed. ``moderated``:
    "hidden" (it was public unless hidden), "shown" (restored or approved: it was not
    public before). Never raises: the write has committed, and a reader that missed a
    message sees the change on their next load."""
    target = selectors.live_target(annotation_id=annotation_id)
    if target is None:
        return
    if moderated == "hidden":
        was_public = target.public_unless_hidden
    elif moderated == "shown":
        was_public = False
    message = {
        "id": target.id,
        "thread": target.thread_id,
        "passage": target.passage_anchor,
    }
    layer = get_channel_layer()
    if layer is None:
        return
    # A socket in several of the groups (an author reading their own public note) gets the
    # change once: it drops a second copy with the same event id.
    event_id = uuid.uuid4().hex
    for group, message_type in audiences(kind, target, was_public=was_public):
        try:
            async_to_sync(layer.group_send)(
                group,
                {
                    "type": HANDLER,
                    "event": event_id,
                    "author": target.author_id,
                    "message": {"type": message_type, **message},
                },
            )
        except Exception:  # noqa: BLE001 - a channel layer outage must not fail anything
            logger.warning("Live update to %s not sent", group, exc_info=True)
