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


def test_broadcasts_reuse_one_redis_connection(monkeypatch):
    """Each live message used to go out through ``async_to_sync``: a new thread, a new
    event loop and, the channel layer's pools being per loop, a new Redis connection, all
    before the write answered (a quarter of a writer's POST under make load). The
    process's publisher keeps one loop and its connection for every write."""
    require(bool(settings.REDIS_URL), "the Redis channel layer needs REDIS_URL")
    from redis.asyncio.connection import AbstractConnection

    from apps.annotations import live

    layer = get_channel_layer()
    group = live.user_group(987654)
    listening: list[threading.Thread] = []
    connects: list[str] = []
    original = AbstractConnection.connect

    async def counted(self, *args, **kwargs):
        # New connections made for sending (not the listener's own).
        if self._reader is None and threading.current_thread() not in listening:
            connects.append(threading.current_thread().name)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "connect", counted)

    async def listen() -> int:
        listening.append(threading.current_thread())
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await asyncio.sleep(0.2)  # subscribed before the messages go out
        # The first message may open the publisher's connection.
        await asyncio.to_thread(live.groups_changed, user_id=987654)
        await asyncio.wait_for(layer.receive(channel), timeout=5)
        before = len(connects)
        for _ in range(5):
            await asyncio.to_thread(live.groups_changed, user_id=987654)
        for _ in range(5):
            await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.group_discard(group, channel)
        return len(connects) - before

    results: list = []

    def run() -> None:
        try:
            results.append(asyncio.run(listen()))
        except Exception as exc:  # noqa: BLE001 - reported below
            results.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert results == [0], (results, connects)
