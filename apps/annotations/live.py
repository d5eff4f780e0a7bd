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

Channel layer: Redis (channels-redis' pub/sub layer) when REDIS_URL is set, so a write
handled by any web process or Celery worker reaches every ASGI process with one PUBLISH
per group, which each ASGI process fans out to its own sockets; in memory under ``make
run``, where one process does everything (project/settings.py, CHANNEL_LAYERS).

Sending: the on-commit handler works out the audiences (its reads, in the request's
thread) and hands the messages to the process's one publisher (``_Publisher``): an event
loop in a thread of its own, with one Redis connection kept open, that sends them in
order while the request answers. Sending inline made every write start a thread, an
event loop and a Redis connection and wait for them (under `make load` a quarter of the
POST's time; docs/benchmarks.md "Live readers under make load").
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import uuid

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from . import live_selectors

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


def audiences(kind: str, target: live_selectors.LiveTarget, *, was_public: bool | None = None):
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


class _Publisher:
    """Sends group messages from sync code through one event loop per process, in a
    daemon thread, so the channel layer keeps its Redis connection between writes and a
    request does not wait for Redis. Messages go out one at a time in the order given
    (an annotation's "created" before its "updated"). Started on first use, and again in
    a forked child (gunicorn and Celery workers fork after import)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None

    def submit(self, layer, sends: list[tuple[str, dict]]) -> None:
        loop, queue = self._started()
        loop.call_soon_threadsafe(queue.put_nowait, (layer, sends))

    def _started(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
        with self._lock:
            if self._pid != os.getpid() or self._loop is None:
                loop = asyncio.new_event_loop()
                queue: asyncio.Queue = asyncio.Queue()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._run, args=(loop, queue, ready), name="live-publisher", daemon=True
                )
                thread.start()
                ready.wait()
                self._pid, self._loop, self._queue = os.getpid(), loop, queue
            return self._loop, self._queue

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue, ready) -> None:
        asyncio.set_event_loop(loop)

        async def send_forever() -> None:
            ready.set()
            while True:
                layer, sends = await queue.get()
                await _send(layer, sends)

        loop.run_until_complete(send_forever())


_publisher = _Publisher()


async def _send(layer, sends: list[tuple[str, dict]]) -> None:
    for group, message in sends:
        try:
            await layer.group_send(group, message)
        except Exception:  # noqa: BLE001 - a channel layer outage must not fail anything
            logger.warning("Live update to %s not sent", group, exc_info=True)


def _publish(sends: list[tuple[str, dict]]) -> None:
    """Send ``[(group, message)]`` after a commit; never raises. The in-memory layer
    (``make run``, tests without Redis) lives on the sockets' own event loop, so it is
    sent to inline, as before; a Redis layer through the process's publisher."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(_send)(layer, sends)
        return
    try:
        _publisher.submit(layer, sends)
    except Exception:  # noqa: BLE001 - as in _send
        logger.warning("Live updates not sent", exc_info=True)


def groups_changed(*, user_id: int) -> None:
    """``group.membership_changed``: the user's open sockets re-check which reading
    groups they listen to (``consumers.SourceUpdatesConsumer.live_groups_changed``)."""
    _publish([(user_group(user_id), {"type": GROUPS_CHANGED})])


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
    target = live_selectors.live_target(annotation_id=annotation_id)
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
    # A socket in several of the groups (an author reading their own public note) gets the
    # change once: it drops a second copy with the same event id.
    event_id = uuid.uuid4().hex
    _publish(
        [
            (
                group,
                {
                    "type": HANDLER,
                    "event": event_id,
                    # Never forwarded: the consumer marks the author's own sockets' copy.
                    "author": target.author_id,
                    "message": {"type": message_type, **message},
                },
            )
            for group, message_type in audiences(kind, target, was_public=was_public)
        ]
    )
