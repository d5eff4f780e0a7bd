"""Django's Redis cache backend, keeping one client per connection pool, and degrading
instead of failing while Redis is unreachable.

One client per pool: ``django.core.cache.backends.redis.RedisCacheClient.get_client``
builds a new ``redis.Redis`` for every cache operation, and redis-py fills ~170 response
callbacks in each constructor (~0.1 ms). The reader makes several cache reads per request
(ADR 0004), so that was a measurable share of its time. A ``redis.Redis`` is thread-safe
and cheap to share: it holds no connection itself, it borrows from the (already shared)
pool.

Degrading: in the default deployment one Redis is both the Celery broker and the cache, so
"the broker is down" also means "the cache is down". A cache is an optimisation: with
Django's plain backend every signed-in page (the navigation's moderator flag), log-in,
rate limits and the atlas aggregates raised ``ConnectionError`` and answered 500, after
the user's write had committed. Here an unreachable Redis reads as an empty cache and
writes to it are dropped (logged), the way django-redis's ``IGNORE_EXCEPTIONS`` works.
Only connection failures and timeouts are absorbed; any other error still raises. While
Redis is down every page renders afresh, and the rate limits that count in the cache
(log-in failures, flags, comments) cannot count, so they let requests through
(docs/security.md, "Known gaps").

Clearing: Django's ``clear()`` is ``FLUSHDB``, which empties the whole Redis database. In
the default deployment that database is also Celery's broker (the queued tasks would go)
and in CI it is shared by the parallel test workers (each with its own ``KEY_PREFIX``:
one worker's ``clear()`` wiped the other's throttle counters and cache versions). With a
key prefix, ``clear()`` here deletes only the keys under that prefix.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.base import default_key_func
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
_INCR_IF_EXISTS = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end"
    " return false"
)


def _degrade(fallback):
    """Run the client call; if Redis cannot be reached, log and return ``fallback(*args)``."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args):
            try:
                return method(self, *args)
            except UNREACHABLE as exc:
                logger.warning(
                    "Cache unreachable (%s): carrying on without it. %s", method.__name__, exc
                )
                return fallback(*args)

        return wrapper

    return decorate


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    add = _degrade(lambda key, value, timeout: False)(RedisCacheClient.add)
    get = _degrade(lambda key, default: default)(RedisCacheClient.get)
    set = _degrade(lambda key, value, timeout: None)(RedisCacheClient.set)
    touch = _degrade(lambda key, timeout: False)(RedisCacheClient.touch)
    delete = _degrade(lambda key: False)(RedisCacheClient.delete)
    get_many = _degrade(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _degrade(lambda key: False)(RedisCacheClient.has_key)

    # As if the key had been missing and then set: a counter starts again from one.
    @_degrade(lambda key, delta: delta)
    def incr(self, key, delta):
        """Django's ``incr`` (``ValueError`` when the key is missing) in one round trip:
        Django's asks EXISTS, then INCRBY. Every write counts in the rate limiter and
        bumps cache versions with it, and on a busy machine each round trip waits for
        Redis to be scheduled (make load's writers: docs/benchmarks.md). The script is
        atomic too, where EXISTS-then-INCRBY could recreate a key that expired between."""
        value = self.get_client(key, write=True).eval(_INCR_IF_EXISTS, 1, key, delta)
        if value is None:
            raise ValueError(f"Key {key!r} not found.")
        return value

    @_degrade(lambda keys, delta: dict.fromkeys(keys, delta))
    def incr_each(self, keys, delta):
        """``incr`` of each key in one round trip: ``{key: new value, or None when
        missing}`` (nothing is created)."""
        pipeline = self.get_client(write=True).pipeline(transaction=False)
        for key in keys:
            pipeline.eval(_INCR_IF_EXISTS, 1, key, delta)
        return dict(zip(keys, pipeline.execute(), strict=True))

    set_many = _degrade(lambda data, timeout: None)(RedisCacheClient.set_many)
    delete_many = _degrade(lambda keys: None)(RedisCacheClient.delete_many)
    clear = _degrade(lambda: False)(RedisCacheClient.clear)

    @_degrade(lambda pattern: False)
    def delete_matching(self, pattern: str) -> bool:
        """Delete every key matching the glob ``pattern``, in batches (SCAN does not block
        Redis as KEYS would; UNLINK frees the memory in the background)."""
        client = self.get_client(write=True)
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
        return True


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache``: one client per pool, and it
    survives a Redis outage."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._known_keys: dict[str, str] = {}

    def get_many_known(self, keys: list[str]) -> dict:
        """``get_many`` for keys the code spells itself (the HTTP cache's version keys,
        asked on every public request): each full key is made once per process instead
        of being made and checked for memcached-unsafe characters on every call."""
        made = self._known_keys
        full = [made.get(key) or made.setdefault(key, self.make_and_validate_key(key))
                for key in keys]  # fmt: skip
        found = self._cache.get_many(full)
        return {key: found[name] for key, name in zip(keys, full, strict=True) if name in found}

    def incr_each(self, keys, delta: int = 1) -> dict:
        """Add ``delta`` to each existing key in one round trip: ``{key: new value, or
        None when the key is missing}``; a missing key stays missing. A write bumps the
        versions of several models at once (``cache_versions``), each a round trip
        before."""
        made = {self.make_and_validate_key(key): key for key in keys}
        values = self._cache.incr_each(list(made), delta)
        return {made[key]: value for key, value in values.items()}

    def clear(self) -> bool:
        """Delete this cache's keys: only those under its ``KEY_PREFIX`` when it has one
        (and Django's key function, whose keys are ``<prefix>:<version>:<key>``)."""
        if not self.key_prefix or self.key_func is not default_key_func:
            return self._cache.clear()
        return self._cache.delete_matching(f"{_glob_escape(self.key_prefix)}:*")


def _glob_escape(text: str) -> str:
    """``text`` matched literally by a Redis glob pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
