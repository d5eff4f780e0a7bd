"""The production channel layer (Redis) survives a class ending: 200 sockets leaving
their groups at once. redis-py caps an asyncio pool at 100 connections unless told
otherwise, and each departure's group_discard took one: the burst failed with
MaxConnectionsError (seen in make load's 200 live readers)."""

from __future__ import annotations

import asyncio
import threading

from channels.layers import get_channel_layer
from django.conf import settings

from tests.conftest import require

READERS = 200


def test_two_hundred_readers_leave_at_once():
    require(bool(settings.REDIS_URL), "the Redis channel layer needs REDIS_URL")
    layer = get_channel_layer()
    assert type(layer).__name__ in {"RedisChannelLayer", "RedisPubSubChannelLayer"}

    async def burst():
        names = [await layer.new_channel() for _ in range(READERS)]
        await asyncio.gather(*(layer.group_add("test-burst", name) for name in names))
        await asyncio.gather(*(layer.group_discard("test-burst", name) for name in names))

    # In a thread of its own: a browser test's Playwright may keep an event loop running
    # in this one (asyncio.run refuses to start inside it).
    failures = []

    def run() -> None:
        try:
            asyncio.run(burst())
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and failures == [], failures
