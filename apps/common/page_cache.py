"""Whole-page cache for anonymous visitors (Discourse does the same for its anonymous
traffic): most readers are not signed in, and their pages are identical.

Correctness comes from a *generation* number in every key: any committed write to a
model whose data appears on public pages bumps it, so the next anonymous request renders
afresh. The bump is wired to model signals rather than to services on purpose: it is
cache infrastructure, and it must also fire for admin edits and for writes that bypass
the services. The timeout is only a safety net for bulk writes that send no signal.

Keys carry the request's host as well as its path (:func:`request_digest`), so a request
with another ``Host`` header cannot store a page that the canonical host's visitors are
then served. Only anonymous GETs without pending messages are cached here. Public pages carry no CSRF
token and nothing personal (apps/common/public.py): a stored page holds nothing of the
visitor who rendered it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

GENERATION_KEY = "public-pages:generation"
# A second generation for the reader's passage markup (ADR 0004), which no annotation
# appears in: bumped by the same writes except those to the models in NOT_IN_TEXT, so a
# busy annotated paper keeps its rendered text between annotation writes.
TEXT_GENERATION_KEY = "public-text:generation"
NOT_IN_TEXT = {"annotations.Annotation", "annotations.AnnotationAnchor"}

# Models whose rows appear on public pages. Labels, so apps stay decoupled.
PUBLIC_MODELS = [
    "sources.Source",
    "sources.Document",
    "sources.SourceMaintainer",
    "annotations.Annotation",
    "annotations.AnnotationAnchor",
    "atlas.Example",
    "atlas.Evidence",
    "atlas.PassageLink",
    "atlas.Category",
    "atlas.CountryResearchStatus",
    "atlas.EntryComment",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
]


_BUILD_SUFFIXES = {".py", ".html", ".txt", ".js", ".css", ".json", ".mo"}


@functools.cache
def build_id() -> str:
    """Which code rendered a cached page or fragment: part of every key, so a deploy that
    changes a template or a view never serves markup the previous code rendered. Set
    ``RELEASE_ID`` (e.g. the git commit) to share caches across servers; otherwise it is
    a digest of the names, sizes and modification times of the code and templates (a few
    milliseconds, once per process)."""
    explicit = os.environ.get("RELEASE_ID", "").strip()
    if explicit:
        return explicit[:40]
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha1()
    for folder in ("apps", "templates", "project", "locale"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in _BUILD_SUFFIXES and path.is_file():
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode()
                )
    return digest.hexdigest()[:12]


class GenerationUnavailable(RuntimeError):
    """The cache cannot hold the generation (Redis unreachable): cache nothing."""


def fresh_generation() -> int:
    # Microseconds since the epoch: a generation lost with the cache (Redis restarted, the
    # key evicted) starts again above every number handed out before, as long as there
    # were fewer bumps than microseconds since it was last set. A repeated number would
    # let browsers keep annotations JSON cached under an old URL (ADR 0004).
    return time.time_ns() // 1000


def generation(key: str = GENERATION_KEY) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, fresh_generation(), timeout=None)
        value = cache.get(key)
        if value is None:  # a cache that stores nothing (apps/common/cache.py, degraded)
            raise GenerationUnavailable("The cache does not keep the page generation.")
    return int(value)


def generations(*keys: str) -> list[int]:
    """Several generations in one cache round trip (``generation()`` for each missing)."""
    found = cache.get_many(keys)
    return [int(found[key]) if key in found else generation(key) for key in keys]


def safe_generation() -> int | None:
    """The generation, or None when the cache is unreachable (for URLs that carry it:
    pages keep working, they only lose browser caching)."""
    try:
        return generation()
    except GenerationUnavailable:  # the cache backend has logged why
        return None
    except Exception:  # noqa: BLE001 - cache backends raise their own connection errors
        logger.warning("Page cache unreachable; no generation", exc_info=True)
        return None


def _increment(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:  # lost with the cache: start above every earlier number
            cache.set(key, fresh_generation(), timeout=None)
    except Exception:  # noqa: BLE001 - cache backends raise their own connection errors
        logger.warning("Page cache unreachable; generation not bumped", exc_info=True)


def bump() -> None:
    """Invalidate every cached public page and fragment (call on commit). Never fails the
    write that triggered it: with the cache unreachable there is nothing stale to serve
    either."""
    _increment(GENERATION_KEY)


def bump_text() -> None:
    """Invalidate the readers' cached passage markup (call on commit)."""
    _increment(TEXT_GENERATION_KEY)


def _on_commit_once(bump_function, using) -> None:
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        bump_function()
        return
    # One bump per (save)point is enough, however many rows a service writes.
    current = set(connection.savepoint_ids)
    if any(entry[1] is bump_function and entry[0] == current for entry in connection.run_on_commit):
        return
    transaction.on_commit(bump_function, using=using)


def _on_change(sender, using=None, **kwargs) -> None:
    if kwargs.get("signal") is post_save and _only_its_owner_sees(kwargs, using):
        return
    _on_commit_once(bump, using)
    if sender._meta.label not in NOT_IN_TEXT:
        _on_commit_once(bump_text, using)


def _only_its_owner_sees(kwargs, using) -> bool:
    """A saved row that only one viewer could and can see (a private annotation, kept
    private) changes no shared page: public pages never show it, and its owner reads it
    from private, uncached answers. Models opt in with ``page_cache_private_to(created=, update_fields=)``;
    deletes always bump (a hard delete can change what others see of a thread)."""
    instance = kwargs["instance"]
    private_to = getattr(instance, "page_cache_private_to", None)
    if private_to is None:
        return False
    owner = private_to(
        created=kwargs.get("created", False), update_fields=kwargs.get("update_fields")
    )
    return owner is not None


def connect_signals() -> None:
    for label in PUBLIC_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        uid = f"page-cache-{label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                _on_change, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
            )


def _cacheable(request) -> bool:
    if request.method != "GET" or getattr(request, "htmx", False):
        return False
    # A session (signed in, or flash messages waiting after sign-out) or a messages cookie
    # makes this visitor's page unlike the others; without either, nothing to look up.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def request_generation(request) -> int | None:
    """``safe_generation()`` read once per request: the reader and its extensions key
    several fragments and a URL by it, and each read is a cache round trip."""
    if not hasattr(request, "_public_generation"):
        request._public_generation = safe_generation()
    return request._public_generation


def fragment(
    name: str,
    *parts,
    render,
    at_generation: int | None = None,
    generation_key: str = GENERATION_KEY,
    timeout: int | None = None,
):
    """Markup or data shared by every viewer (a reader's passages, the public annotations
    of a version), cached under the same generation as whole pages: any public write
    makes the next request render it afresh. ``render()`` is called on a miss and must
    return a picklable value (markup, JSON text, small lists) that depends only on
    ``parts`` and public data. A cache outage degrades to rendering every time;
    ``PUBLIC_FRAGMENT_CACHE_SECONDS = 0`` turns the cache off (tests do, as they do for
    the page cache: their writes never commit).
    Pass ``at_generation`` (from :func:`request_generation`) to save reading it again,
    or ``generation_key=TEXT_GENERATION_KEY`` for markup no annotation appears in, and
    ``timeout`` for another lifetime than ``PUBLIC_FRAGMENT_CACHE_SECONDS``."""
    if timeout is None:
        timeout = getattr(settings, "PUBLIC_FRAGMENT_CACHE_SECONDS", 3600)
    if not timeout:
        return render()
    try:
        current = at_generation if at_generation is not None else generation(generation_key)
        key = ":".join(
            ["public-fragment", build_id(), name, generation_key, str(current), *map(str, parts)]
        )
        cached = cache.get(key)
    except GenerationUnavailable:  # the cache backend has logged why
        return render()
    except Exception:  # noqa: BLE001 - a cache outage degrades to rendering every time
        logger.warning("Fragment cache unreachable; rendering without it", exc_info=True)
        return render()
    if cached is not None:
        return cached
    value = render()
    try:
        cache.set(key, value, timeout)
    except Exception:  # noqa: BLE001
        logger.warning("Fragment cache unreachable; not stored", exc_info=True)
    return value


# --- Storing whole pages --------------------------------------------------------------------


def storable(request, response) -> bool:
    """Whether a rendered response may be stored and served again: a plain 200 that sets
    no cookie and put no CSP nonce in the page (a nonce must never be reused)."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not isinstance(getattr(request, "_csp_nonce", None), str)
    )


def render_for_cache(request, view, args, kwargs):
    """Run ``view``; return the response and, when it may be stored, the entry to store."""
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if response.streaming:
        return response, None
    entry = None
    if storable(request, response):
        entry = (response.status_code, response["Content-Type"], response.content)
    return response, entry


def response_from_entry(request, entry) -> HttpResponse | None:
    try:
        status, content_type, content = entry
    except (TypeError, ValueError):  # an entry of another shape: render afresh
        return None
    return HttpResponse(content, status=status, content_type=content_type)


def request_digest(request) -> str:
    """What a cached page is keyed by: the host it was asked for and its path and query.
    The host is part of it so that whatever a page takes from the request's Host header
    (a client chooses it, within ALLOWED_HOSTS) is only ever served back to requests for
    that host; absolute links come from SITE_URL anyway (apps/common/site.py)."""
    return hashlib.sha1(f"{request.get_host()}\n{request.get_full_path()}".encode()).hexdigest()


def anonymous_page_cache(view):
    """Serve anonymous visitors from the cache; see the module docstring."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        timeout = getattr(settings, "ANONYMOUS_PAGE_CACHE_SECONDS", 60)
        if not timeout or not _cacheable(request):
            return view(request, *args, **kwargs)
        digest = request_digest(request)
        try:
            request._public_generation = generation()  # see request_generation()
            key = f"public-page:{build_id()}:{request._public_generation}:{get_language()}:{digest}"
            cached = cache.get(key)
        except Exception as exc:  # noqa: BLE001 - a cache outage degrades to rendering
            # Remember there is no generation, so the view's fragments do not ask the
            # unreachable cache again (each try may wait for the socket timeout).
            if not hasattr(request, "_public_generation"):
                request._public_generation = None
            if not isinstance(exc, GenerationUnavailable):  # that one the backend logged
                logger.warning("Page cache unreachable; rendering without it", exc_info=True)
            return view(request, *args, **kwargs)
        if cached is not None:
            response = response_from_entry(request, cached)
            if response is not None:
                return response
        response, entry = render_for_cache(request, view, args, kwargs)
        if entry is not None:
            try:
                cache.set(key, entry, timeout)
            except Exception:  # noqa: BLE001 - the page is rendered; serve it anyway
                logger.warning("Page cache unreachable; page not stored", exc_info=True)
        return response

    return wrapper
