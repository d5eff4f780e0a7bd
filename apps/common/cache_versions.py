"""Model versions for the HTTP cache (ADR 0007): which models public payloads may read
(:func:`declare`), their version numbers in the cache, and the bumps every write makes (at
write and again on commit). :mod:`apps.common.http_cache` builds ETags, fragments and
responses on them and re-exports what callers use (``http_cache.declare``,
``http_cache.invalidate``…)."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Iterable
from contextvars import ContextVar

from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger("apps.common.http_cache")

VERSION_PREFIX = "http-cache:version:"

# Declared models (concrete class) -> fields whose changes show on no public payload.
_DECLARED: dict[type[models.Model], frozenset[str]] = {}
# Labels bumped by this thread since it last read their versions: a second write before
# anyone here reads them needs no second round trip (see _bump_now).
_local = threading.local()
# Versions already read while serving one public response (``reading_once``), by cache
# key: a page that reads some of them again (the search's facet cache key, the tag
# vocabulary of the suggestions) reuses them.
_read_here: ContextVar[dict | None] = ContextVar("cache_versions_read_here", default=None)


class VersionsUnavailable(RuntimeError):
    """The cache cannot keep versions (Redis unreachable): cache nothing, ETag nothing."""


# --- Declaring and invalidating -------------------------------------------------------------


def declare(model: type[models.Model], *, ignore_fields: Iterable[str] = ()) -> None:
    """Make ``model`` something a public payload may depend on: any saved or deleted row,
    or a change of one of its many-to-many relations, bumps its version. Call it where the
    model is defined (its app's ``ready()``). A save whose ``update_fields`` are all in
    ``ignore_fields`` (``last_login`` on every sign-in) changes nothing public."""
    concrete = model._meta.concrete_model
    _DECLARED[concrete] = frozenset(ignore_fields)
    # Per sender, not for every model: a post_delete receiver turns off Django's fast
    # deletes (one DELETE, no rows loaded) for the models it listens to.
    uid = f"http-cache-{concrete._meta.label_lower}"
    post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}-save")
    post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}-delete")
    for field in concrete._meta.many_to_many:
        m2m_changed.connect(
            _on_m2m, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
        )


def declared_models() -> list[type[models.Model]]:
    return list(_DECLARED)


def is_declared(model: type[models.Model] | str) -> bool:
    if isinstance(model, str):
        model = django_apps.get_model(model)
    return model._meta.concrete_model in _DECLARED


def _label(model: type[models.Model] | str) -> str:
    if isinstance(model, str):  # "app_label.Model": lower layers name higher ones' models
        model = django_apps.get_model(model)
    concrete = model._meta.concrete_model
    if concrete not in _DECLARED:
        raise LookupError(
            f"{concrete._meta.label} is not declared for HTTP caching: call "
            "apps.common.http_cache.declare() in its app's ready()."
        )
    return concrete._meta.label_lower


def _version_key(label: str) -> str:
    return VERSION_PREFIX + label


def fresh_version() -> int:
    # Microseconds since the epoch: a version lost with the cache (Redis restarted, the key
    # evicted) starts again above every number handed out before, as long as there were
    # fewer bumps than microseconds since it was last set, so an old ETag never matches.
    return time.time_ns() // 1000


def _unread() -> set[str]:
    if not hasattr(_local, "unread"):
        _local.unread = set()
    return _local.unread


def _bump(labels: Iterable[str]) -> None:
    """Never fails the write that triggered it: with the cache unreachable there is
    nothing stale to serve either. On Redis (``apps.common.cache``) every label in one
    round trip: a write bumps three or four models at once, on commit, before its live
    message goes out."""
    keys = [_version_key(label) for label in labels]
    try:
        incr_each = getattr(cache, "incr_each", None)
        if incr_each is not None:
            missing = [key for key, value in incr_each(keys).items() if value is None]
        else:
            missing = []
            for key in keys:
                try:
                    cache.incr(key)
                except ValueError:
                    missing.append(key)
        for key in missing:  # lost with the cache: start above every earlier number
            cache.set(key, fresh_version(), timeout=None)
    except Exception:  # noqa: BLE001 - cache backends raise their own connection errors
        logger.warning("HTTP cache unreachable; %s not bumped", keys, exc_info=True)


def _bump_now(labels: set[str]) -> None:
    # Skips a label this thread bumped and has not read since: nothing of it can have been
    # cached here in between. (Another process may cache old committed rows under the new
    # number meanwhile; the bump on commit is what makes that harmless.)
    read_here = _read_here.get()
    if read_here:
        read_here.clear()
    unread = _unread()
    fresh = labels - unread
    if fresh:
        _bump(fresh)
        unread.update(fresh)


def _bump_on_commit(labels: set[str], using) -> None:
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return  # autocommit: the write is already committed, and bumped by _bump_now
    # One bump per model per transaction, however many rows it writes: labels join a
    # bump already registered at this level or an enclosing one (which runs whenever this
    # level commits); one registered in a savepoint that may still roll back is not used.
    current = set(connection.savepoint_ids)
    for savepoints, callback, *_ in connection.run_on_commit:
        if savepoints <= current and getattr(callback, "http_cache_labels", None) is not None:
            callback.http_cache_labels.update(labels)
            return
    pending = set(labels)

    def bump_pending() -> None:
        _bump(sorted(pending))

    bump_pending.http_cache_labels = pending
    transaction.on_commit(bump_pending, using=using)


def invalidate(*model_classes: type[models.Model], using=None) -> None:
    """Bump the versions of ``model_classes`` now and again on commit: for writes that send
    no signal (``QuerySet.update()``, ``bulk_create``, raw SQL). See also
    :func:`update_and_invalidate`."""
    labels = {_label(model) for model in model_classes}
    _bump_now(labels)
    _bump_on_commit(labels, using)


def update_and_invalidate(queryset: models.QuerySet, **values) -> int:
    """``queryset.update(**values)`` for a declared model, invalidating what shows it."""
    count = queryset.update(**values)
    if count:
        invalidate(queryset.model, using=queryset.db)
    return count


def _on_save(sender, instance, using=None, update_fields=None, **kwargs) -> None:
    concrete = sender._meta.concrete_model
    ignored = _DECLARED.get(concrete)
    if ignored is None:
        return
    if update_fields and ignored and set(update_fields) <= ignored:
        return
    invalidate(concrete, using=using)


def _on_delete(sender, using=None, **kwargs) -> None:
    if sender._meta.concrete_model in _DECLARED:
        invalidate(sender, using=using)


def _on_m2m(sender, instance, action, model=None, using=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    # The relation shows on both sides' payloads (an entry's categories, a category's
    # entries); the table itself too, if declared.
    touched = [m for m in (type(instance), model, sender) if is_declared(m)]
    if touched:
        invalidate(*touched, using=using)


@functools.lru_cache(maxsize=512)
def _labels_and_keys(model_classes: tuple) -> tuple[list[str], list[str]]:
    # A view's ``depends_on`` is one tuple for the life of the process: its labels (a model
    # lookup each, by name for the lower layers' strings) are worked out once, not on every
    # request (about 0.1 ms of a 304's 1 ms). Undeclared models raise, and are not kept.
    labels = sorted({_label(model) for model in model_classes})
    return labels, [_version_key(label) for label in labels]


@contextlib.contextmanager
def reading_once():
    """Within this block, :func:`versions` reads each model's version from the cache
    once: the response's ETag and what its view reads again (a search's facet cache key,
    the suggestions' tag vocabulary) share one round trip. A write in the block
    (:func:`invalidate`) forgets what was read."""
    token = _read_here.set({})
    try:
        yield
    finally:
        _read_here.reset(token)


def versions(model_classes: Iterable[type[models.Model]]) -> str:
    """The current versions of ``model_classes``, in one cache round trip (two when one
    is missing; none when all were read already in a :func:`reading_once` block). Raises
    :class:`VersionsUnavailable` when the cache keeps nothing."""
    labels, keys = _labels_and_keys(tuple(model_classes))
    read_here = _read_here.get()
    if read_here is not None and all(key in read_here for key in keys):
        found = read_here
    else:
        found = _read_versions(labels, keys)
        if read_here is not None:
            read_here.update(found)
    return ".".join(f"{label}={found[key]}" for label, key in zip(labels, keys, strict=True))


def _read_versions(labels: list[str], keys: list[str]) -> dict[str, int]:
    # The Redis cache reads them without checking each key again (apps/common/cache.py).
    get_many = getattr(cache, "get_many_known", cache.get_many)
    found = get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, fresh_version(), timeout=None)
        found.update(cache.get_many(missing))
        if any(key not in found for key in keys):  # a cache that stores nothing
            raise VersionsUnavailable("The cache does not keep HTTP cache versions.")
    _unread().difference_update(labels)
    return found


def _safe_versions(model_classes) -> str | None:
    try:
        return versions(model_classes)
    except VersionsUnavailable:  # the cache backend has logged why
        return None
    except Exception:  # noqa: BLE001 - cache backends raise their own connection errors
        logger.warning("HTTP cache unreachable; no versions", exc_info=True)
        return None
