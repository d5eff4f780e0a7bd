"""``ws(s)://<host>/ws/sources/<slug>/``: a reader page's live updates (``live.py``).

The socket only listens: it joins the source's public group and, for a signed-in viewer,
their personal group for the source, and forwards each group message as JSON. It never
receives anything from the page (a message from the client closes it). A source the
viewer may not read (unknown, hidden) is refused with close code 4404 before accept."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from apps.sources import selectors as source_selectors

from . import live

NOT_FOUND = 4404
UNEXPECTED_INPUT = 4400


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
        self.joined: list[str] = []
        user = self.scope.get("user")
        source_id = await _readable_source_id(self.scope["url_route"]["kwargs"]["slug"], user)
        if source_id is None:
            await self.close(code=NOT_FOUND)
            return
        self.joined.append(live.public_group(source_id))
        if user is not None and user.is_authenticated:
            self.joined.append(live.personal_group(source_id, user.pk))
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.close(code=UNEXPECTED_INPUT)

    async def annotation_event(self, event):
        await self.send_json(event["message"])
