"""The Redis cache reads as empty, and drops writes, while Redis is unreachable."""

from __future__ import annotations

import logging

import pytest
import redis
from django.conf import settings

from apps.common.cache import RedisCache
from tests.conftest import require

# Nothing listens on port 1: every connection is refused at once.
UNREACHABLE = "redis://127.0.0.1:1/0"


def make_cache(location: str) -> RedisCache:
    return RedisCache(
        location,
        {
            "KEY_PREFIX": "test-resilient",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
    )


def test_an_unreachable_redis_is_an_empty_cache_that_forgets_writes(caplog):
    cache = make_cache(UNREACHABLE)
    with caplog.at_level(logging.WARNING, logger="apps.common.cache"):
        assert cache.get("key") is None
        assert cache.get("key", "fallback") == "fallback"
        assert cache.add("key", 1) is False
        cache.set("key", 1)
        assert cache.get_or_set("key", 2) == 2
        assert cache.incr("counter") == 1
        assert cache.incr("counter", 5) == 5
        assert cache.decr("counter") == -1
        assert cache.touch("key") is False
        assert cache.delete("key") is False
        assert cache.has_key("key") is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.set_many({"a": 1}) == []
        cache.delete_many(["a", "b"])
        assert cache.clear() is False
    assert "Cache unreachable (get)" in caplog.text
    assert "Cache unreachable (incr)" in caplog.text


def test_other_errors_still_raise(monkeypatch):
    cache = make_cache(UNREACHABLE)

    def broken(*args, **kwargs):
        raise redis.exceptions.ResponseError("WRONGTYPE Operation against a key")

    monkeypatch.setattr(redis.Redis, "get", broken)
    with pytest.raises(redis.exceptions.ResponseError):
        cache.get("key")


def test_a_reachable_redis_behaves_as_djangos_redis_cache():
    require(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to cache in")
    cache = make_cache(settings.REDIS_URL)
    try:
        cache.delete_many(["key", "counter"])
        assert cache.add("key", {"a": 1}) is True
        assert cache.add("key", "other") is False
        assert cache.get("key") == {"a": 1}
        with pytest.raises(ValueError):
            cache.incr("counter")
        cache.set("counter", 1)
        assert cache.incr("counter", 2) == 3
    finally:
        cache.delete_many(["key", "counter"])


def count_commands(monkeypatch) -> list:
    """The commands sent to Redis from now on (each send is one round trip; a pipeline's
    commands go in one send)."""
    sent: list = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    return sent


def test_incr_is_one_round_trip(monkeypatch):
    """Every annotation write counts in the rate limiter and bumps cache versions with
    ``incr``; Django's asks EXISTS, then INCRBY: two round trips, each waiting for Redis
    on a busy machine (make load's writers). Here one, with the same answers."""
    require(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to cache in")
    cache = make_cache(settings.REDIS_URL)
    try:
        cache.set("counter", 5)
        sent = count_commands(monkeypatch)
        assert cache.incr("counter", 2) == 7
        assert len(sent) == 1
        sent.clear()
        with pytest.raises(ValueError):
            cache.incr("missing")
        assert len(sent) == 1
        assert cache.get("missing") is None  # not created by the failed incr
    finally:
        monkeypatch.undo()
        cache.delete_many(["counter", "missing"])


def test_incr_each_counts_several_keys_in_one_round_trip(monkeypatch):
    """A write bumps the cache versions of three or four models on commit, before its live
    message goes out: one round trip for all of them; a missing key stays missing."""
    require(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to cache in")
    cache = make_cache(settings.REDIS_URL)
    try:
        cache.set_many({"a": 1, "b": 10})
        cache.delete("missing")
        sent = count_commands(monkeypatch)
        assert cache.incr_each(["a", "b", "missing"]) == {"a": 2, "b": 11, "missing": None}
        assert len(sent) == 1
        assert cache.get("missing") is None
    finally:
        monkeypatch.undo()
        cache.delete_many(["a", "b", "missing"])
    assert make_cache(UNREACHABLE).incr_each(["a"]) == {"a": 1}


def test_clear_deletes_only_this_caches_prefix():
    """Parallel test workers (and the Celery broker) share one Redis database: one
    worker's ``cache.clear()`` must not empty another's cache, nor the task queues."""
    require(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to cache in")

    def cache_with_prefix(prefix: str) -> RedisCache:
        return RedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix})

    mine = cache_with_prefix("test-clear[gw1]*")
    neighbour = cache_with_prefix("test-clear[gw1]*x")  # a longer prefix: gw1 vs gw10
    glob_lookalike = cache_with_prefix("test-clearg")  # matched by the unescaped glob
    raw = mine._cache.get_client(write=True)
    try:
        mine.set_many({"a": 1, "b": 2})
        neighbour.set("a", 3)
        glob_lookalike.set("a", 4)
        raw.set("test-clear-broker-queue", "task")

        assert mine.clear() is True

        assert mine.get_many(["a", "b"]) == {}
        assert neighbour.get("a") == 3
        assert glob_lookalike.get("a") == 4
        assert raw.get("test-clear-broker-queue") == b"task"
    finally:
        neighbour.clear()
        glob_lookalike.clear()
        raw.delete("test-clear-broker-queue")
