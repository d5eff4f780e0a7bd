"""HTTP caching of public payloads, the way the web does it (ADR 0007).

A *public payload* (a page or JSON anyone may see) declares the models it reads
(``depends_on``). Each declared model has a version number in the cache; every write to
one of its rows bumps it (model signals, or :func:`invalidate` for writes that send
none). A payload's strong ETag is a digest of the code (:func:`build_id`), the host, the
language, the path and query, the headers it varies on, and the versions of the models it
reads: while none of them changed, the bytes are the same, so

* a client or proxy revalidating with ``If-None-Match`` gets ``304 Not Modified`` without
  the view running (one cache round trip);
* the rendered body is kept in Django's cache under its ETag (the in-process or Redis page
  cache, for single-box deploys without a proxy in front);
* ``Cache-Control: public, max-age=0, s-maxage=N`` lets a reverse proxy or CDN serve it
  to everyone for N seconds, then revalidate (``CDN-Cache-Control`` adds
  ``stale-while-revalidate=M`` for CDNs only: browsers would apply it too).

Granularity is per model, not per row: a new annotation anywhere changes the ETag of every
payload that reads annotations. That keeps the rule simple enough to test exhaustively
(tests/common/test_http_cache_dependencies.py checks that every payload declares every
table it reads; tests/common/test_staleness.py that no change is ever served stale).

Versions are bumped *at write* and again *on commit*: the first so that the writer's own
transaction (and a test, whose transaction never commits) never reads a stale payload, the
second to close the race where another process renders the old committed rows after the
first bump and caches them under the new version. Nothing public is ever ``immutable``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.translation import get_language

from .cache_versions import (  # noqa: F401 - the module's API: callers use http_cache.<name>
    VERSION_PREFIX,
    VersionsUnavailable,
    _safe_versions,
    declare,
    declared_models,
    fresh_version,
    invalidate,
    is_declared,
    reading_once,
    update_and_invalidate,
    versions,
)

logger = logging.getLogger(__name__)

BODY_PREFIX = "http-cache:body:"
FRAGMENT_PREFIX = "http-cache:fragment:"


# --- Build ----------------------------------------------------------------------------------

_BUILD_SUFFIXES = {".py", ".html", ".txt", ".js", ".css", ".json", ".mo"}


@functools.cache
def build_id() -> str:
    """Which code rendered a payload: part of every ETag and key, so a deploy that changes a
    template or a view never serves markup the previous code rendered. Set ``RELEASE_ID``
    (e.g. the git commit) to share caches across servers; otherwise it is a digest of the
    names, sizes and modification times of the code and templates (a few milliseconds,
    once per process)."""
    explicit = os.environ.get("RELEASE_ID", "").strip()
    if explicit:
        return explicit[:40]
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha1(usedforsecurity=False)
    for folder in ("apps", "templates", "project", "locale"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in _BUILD_SUFFIXES and path.is_file():
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode()
                )
    return digest.hexdigest()[:12]


# --- Fragments ------------------------------------------------------------------------------


def fragment(name: str, *parts, depends_on: Iterable[type[models.Model]], render: Callable):
    """A value shared by every viewer (a version's passage markup), cached under the
    versions of ``depends_on``: ``render()`` runs on a miss and must return a picklable
    value that depends only on ``parts`` and rows of those models. A cache outage degrades
    to rendering every time; ``PUBLIC_FRAGMENT_CACHE_SECONDS = 0`` turns it off."""
    timeout = getattr(settings, "PUBLIC_FRAGMENT_CACHE_SECONDS", 3600)
    if not timeout:
        return render()
    current = _safe_versions(depends_on)
    if current is None:
        return render()
    key = FRAGMENT_PREFIX + _digest([build_id(), name, current, *map(str, parts)])
    try:
        cached = cache.get(key)
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


# --- Responses ------------------------------------------------------------------------------


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _etag(request, current: str, vary: Iterable[str]) -> str:
    # The language is in the digest as LocaleMiddleware resolved it (the language cookie,
    # else Accept-Language), not as the raw header: a page has three variants, not one per
    # browser's Accept-Language string, and a reader whose cookie says "de" never matches
    # the English body's key (ADR 0012).
    headers = [
        f"{name}:{request.headers.get(name, '')}"
        for name in vary
        if name.lower() != "accept-language"
    ]
    return (
        '"'
        + _digest(
            [
                build_id(),
                request.get_host(),  # whatever a page takes from Host stays with that host
                get_language() or "",
                request.get_full_path(),
                current,
                *headers,
            ]
        )
        + '"'
    )


def current_etag(request, depends_on, vary) -> str | None:
    """The payload's ETag now (None: no versions to build it on). A request the early
    revalidation (apps/common/revalidation.py) already answered this for, with the same
    inputs, is not asked again: one cache round trip per request."""
    early = getattr(request, "_http_cache_etag", None)
    if early is not None and early[0] == (depends_on, vary):
        return early[1]
    current = _safe_versions(depends_on)
    return None if current is None else _etag(request, current, vary)


def not_modified(request, etag: str, control: dict, vary: Iterable[str]):
    """The ``304`` for a client whose ``If-None-Match`` holds ``etag``, else None."""
    if not _matches(request, etag):
        return None
    response = HttpResponseNotModified()
    _headers(response, etag, control, vary)
    return response


def _matches(request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = {value.strip().removeprefix("W/") for value in header.split(",")}
    return etag in candidates


def cache_control(s_maxage: int | None, stale_while_revalidate: int | None) -> dict:
    if s_maxage is None:
        s_maxage = getattr(settings, "HTTP_CACHE_S_MAXAGE", 10)
    if stale_while_revalidate is None:
        stale_while_revalidate = getattr(settings, "HTTP_CACHE_STALE_WHILE_REVALIDATE", 30)
    return {"s_maxage": s_maxage, "stale_while_revalidate": stale_while_revalidate}


def _is_private(response) -> bool:
    control = response.get("Cache-Control", "")
    return "private" in control or "no-store" in control


def storable(request, response) -> bool:
    """Whether a rendered response is the same for everyone and may be shared: a plain 200
    that sets no cookie, is not marked private, holds no CSP nonce (a nonce must never be
    reused) and no CSRF token (Django marks the request when a token is read: a page with
    a form token belongs to the visitor whose cookie it matches)."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not _is_private(response)
        and not isinstance(getattr(request, "_csp_nonce", None), str)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _headers(response, etag: str | None, control: dict, vary: Iterable[str]) -> None:
    if etag is not None:
        response["ETag"] = etag
    # Browsers revalidate every time (max-age=0). stale-while-revalidate is for shared
    # caches only: in Cache-Control, Chromium applies it too and showed a reader the old
    # threads JSON for half a minute after a change. CDN-Cache-Control (RFC 9213) is read
    # by CDNs and ignored by browsers; nginx gets the same from proxy_cache_use_stale.
    patch_cache_control(response, public=True, max_age=0, s_maxage=control["s_maxage"])
    response["CDN-Cache-Control"] = (
        f"public, max-age={control['s_maxage']}, "
        f"stale-while-revalidate={control['stale_while_revalidate']}"
    )
    if vary:  # with nothing, Django would write an empty Vary that later ones append to
        patch_vary_headers(response, list(vary))
    # nginx ignores s-maxage; this header tells it how long to keep the response
    # (bench/load/nginx.conf). A CDN reads s-maxage.
    response["X-Accel-Expires"] = str(control["s_maxage"])


def _mark_personal(response) -> None:
    """A response that turned out personal: no proxy may keep it."""
    if "Cache-Control" in response:
        del response["Cache-Control"]
    patch_cache_control(response, private=True, no_cache=True)


def public_response(
    request,
    *,
    depends_on: Iterable[type[models.Model]],
    render: Callable[[], HttpResponse],
    s_maxage: int | None = None,
    stale_while_revalidate: int | None = None,
    vary: Iterable[str] = ("Accept-Language",),
) -> HttpResponse:
    """Serve a public payload with HTTP caching (see the module docstring). ``render()``
    builds the response; it runs only when the client's copy (``If-None-Match``) and the
    page cache both miss. ``vary`` names the request headers the body depends on besides
    the language (``Accept`` for API endpoints with content negotiation). A response that
    is not a shareable 200 (see :func:`storable`) is passed on without an ETag; one that
    holds a CSRF token is marked private."""
    with reading_once():
        return _public_response(
            request, depends_on=depends_on, render=render, s_maxage=s_maxage,
            stale_while_revalidate=stale_while_revalidate, vary=tuple(vary),
        )  # fmt: skip


def _public_response(request, *, depends_on, render, s_maxage, stale_while_revalidate, vary):
    control = cache_control(s_maxage, stale_while_revalidate)
    etag = current_etag(request, depends_on, vary)
    if etag is None:  # no versions: no ETag, no page cache; proxies still expire by time
        response = _render(render)
        if storable(request, response):
            _headers(response, None, control, vary)
        return response
    response = not_modified(request, etag, control, vary)
    if response is not None:
        return response
    body_seconds = getattr(settings, "HTTP_CACHE_BODY_SECONDS", 60)
    key = BODY_PREFIX + etag.strip('"')
    if body_seconds:
        try:
            entry = cache.get(key)
        except Exception:  # noqa: BLE001 - a cache outage degrades to rendering
            logger.warning("Page cache unreachable; rendering without it", exc_info=True)
            entry = None
        response = _from_stored(entry)
        if response is not None:
            _headers(response, etag, control, vary)
            return response
    response = _render(render)
    if response.status_code == 200 and not response.streaming and not storable(request, response):
        if not _is_private(response):
            _mark_personal(response)
        return response
    if not storable(request, response):
        return response  # a redirect, a 404: no caching headers of ours
    if body_seconds:
        try:
            cache.set(key, _to_store(response), body_seconds)
        except Exception:  # noqa: BLE001 - the page is rendered; serve it anyway
            logger.warning("Page cache unreachable; page not stored", exc_info=True)
    _headers(response, etag, control, vary)
    return response


# Set by _headers on every answer, hit or miss (they follow from the versions): not stored.
_OWN_HEADERS = frozenset({"etag", "cache-control", "cdn-cache-control", "x-accel-expires"})


def _to_store(response) -> tuple[list[tuple[str, str]], bytes]:
    """The body with every header the view set (its type, Content-Disposition, Link,
    X-Citation, its own Vary): a hit answers what the render answered."""
    own = _OWN_HEADERS | {"content-length"}
    return [(k, v) for k, v in response.items() if k.lower() not in own], response.content


def _from_stored(entry) -> HttpResponse | None:
    try:
        headers, content = entry
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
    except (TypeError, ValueError):  # missing, or an entry of another shape: render afresh
        return None
    return response


def _render(render) -> HttpResponse:
    response = render()
    if hasattr(response, "render") and not response.is_rendered:
        response.render()  # a TemplateResponse (DRF's Response) renders here
    return response


def shared_request(request) -> bool:
    """Whether this request gets the page everyone gets: ``public_view`` (public.py) marks
    it (``request.public_page``), otherwise a visitor without a session or pending
    messages."""
    if request.method not in ("GET", "HEAD") or request.headers.get("HX-Request"):
        return False
    if getattr(request, "public_page", False):
        return True
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "Authorization" not in request.headers  # an API token: the caller's own view
    )


class Policy(NamedTuple):
    """A ``public_page`` view's caching: its ETag inputs and headers."""

    view: Callable
    depends_on: tuple
    vary: tuple[str, ...]
    s_maxage: int | None
    stale_while_revalidate: int | None


def public_page(
    *,
    depends_on: Iterable[type[models.Model]],
    s_maxage: int | None = None,
    stale_while_revalidate: int | None = None,
    vary: Iterable[str] = ("Accept-Language",),
):
    """Decorate a public view: shared requests (:func:`shared_request`) are served through
    :func:`public_response`; any other request (a signed-in viewer before the page is made
    the same for everyone, a POST) runs the view and its response is marked private, so no
    shared cache keeps a personal page. ``depends_on`` lists every model the view reads for
    a shared request (checked by tests/common/test_http_cache_dependencies.py)."""
    depends_on = tuple(depends_on)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not shared_request(request):
                response = view(request, *args, **kwargs)
                if request.method in ("GET", "HEAD") and not _is_private(response):
                    _mark_personal(response)
                return response
            return public_response(
                request,
                depends_on=depends_on,
                render=lambda: view(request, *args, **kwargs),
                s_maxage=s_maxage,
                stale_while_revalidate=stale_while_revalidate,
                vary=vary,
            )

        wrapper.http_cache_depends_on = depends_on
        # What the early revalidation needs to answer for this very function (an outer
        # decorator copies the attribute but is not ``view``: it is not answered early).
        wrapper.http_cache_policy = Policy(
            wrapper, depends_on, tuple(vary), s_maxage, stale_while_revalidate
        )
        return wrapper

    return decorator


def public_api(*, depends_on: Iterable[type[models.Model] | str], **options):
    """:func:`public_page` for a DRF ``APIView`` class (its ``dispatch``), varying on
    ``Accept`` as well: the same URL answers JSON or the browsable API's HTML."""
    options.setdefault("vary", ("Accept-Language", "Accept"))
    cached = public_page(depends_on=depends_on, **options)

    def decorator(view):
        shared = cached(view)

        @functools.wraps(shared)
        def wrapper(request, *args, **kwargs):
            response = shared(request, *args, **kwargs)
            # Unlike a public_view page, an endpoint answers a session its own way (a
            # signed-in caller's private rows): a hit, which reads no session, says so
            # as the render does (SessionMiddleware adds it there), or a shared cache
            # that honours Vary could hand the anonymous answer to a signed-in caller.
            patch_vary_headers(response, ("Cookie",))
            return response

        wrapper.http_cache_depends_on = shared.http_cache_depends_on
        return wrapper

    return method_decorator(decorator, name="dispatch")
