"""``ws(s)://<host>/ws/sources/<slug>/``: a reader page's live updates (``live.py``).

The socket only listens: it joins the source's public group and, for a signed-in viewer,
their personal group for the source, the channel of each reading group they are in, and
their user channel (told when their groups change); it forwards each message as JSON. It never
receives anything from the page (a message from the client closes it). A source the
viewer may not read (unknown, hidden) is refused with close code 4404 before accept."""

from __future__ import annotations

from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from apps.sources import selectors as source_selectors

from . import group_selectors, live

NOT_FOUND = 4404
UNEXPECTED_INPUT = 4400


@database_sync_to_async
def _group_ids(user_id: int) -> set[int]:
    return group_selectors.group_ids_for(user_id=user_id)


@database_sync_to_async
def _readable_source_id(slug: str, user) -> int | None:
    try:
        return source_selectors.source_get(slug=slug, viewer=user).pk
    except Http404:
        return None


class NoSuchSocket(AsyncJsonWebsocketConsumer):
    """Any other /ws/ path: refused like an unknown source (instead of the router's
    exception, which a server logs as an error for every probe)."""

    async def connect(self):
        await self.close(code=NOT_FOUND)


class SourceUpdatesConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.joined: set[str] = set()
        self.reading_groups: set[str] = set()
        user = self.scope.get("user")
        source_id = await _readable_source_id(self.scope["url_route"]["kwargs"]["slug"], user)
        if source_id is None:
            await self.close(code=NOT_FOUND)
            return
        self.source_id = source_id
        self.user_id = user.pk if user is not None and user.is_authenticated else None
        await self._join(live.public_group(source_id))
        if self.user_id is not None:
            await self._join(live.personal_group(source_id, self.user_id))
            await self._join(live.user_group(self.user_id))
            await self._listen_to_my_reading_groups()
        await self.accept()

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)

    async def _leave(self, group: str) -> None:
        await self.channel_layer.group_discard(group, self.channel_name)
        self.joined.discard(group)

    async def _listen_to_my_reading_groups(self) -> None:
        wanted = {
            live.reading_group(self.source_id, group_id)
            for group_id in await _group_ids(self.user_id)
        }
        for group in self.reading_groups - wanted:
            await self._leave(group)
        for group in wanted - self.reading_groups:
            await self._join(group)
        self.reading_groups = wanted

    async def disconnect(self, code):
        for group in list(getattr(self, "joined", ())):
            await self._leave(group)

    async def dispatch(self, message):
        """A live message goes straight to ``annotation_event``. Channels' own dispatch
        first closes stale database connections through the one sync thread, for every
        message and every socket: 200 readers of a paper, 200 trips through that thread
        one after another for each note, when forwarding the message touches no
        database (docs/benchmarks.md, "Live readers under make load"). Everything else
        (connect, disconnect, group changes, which read the database) goes the usual way."""
        if message.get("type") == live.HANDLER:
            await self.annotation_event(message)
        else:
            await super().dispatch(message)

    async def receive(self, text_data=None, bytes_data=None):
        await self.close(code=UNEXPECTED_INPUT)

    async def annotation_event(self, event):
        seen = self.__dict__.setdefault("seen", deque(maxlen=64))
        if event.get("event") in seen:
            return
        seen.append(event.get("event"))
        message = event["message"]
        if self.user_id is not None and event.get("author") == self.user_id:
            # The viewer's own write (perhaps from another tab): shown at once, like the
            # writes made on this page. The author's id itself is never sent.
            message = {**message, "mine": True}
        await self.send_json(message)

    async def live_groups_changed(self, event):
        """The user joined or left a reading group (``live.groups_changed``)."""
        await self._listen_to_my_reading_groups()
