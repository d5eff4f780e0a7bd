"""Whole-page cache for signed-in readers, per session (ADR 0005).

A signed-in reader's page differs from the anonymous one only by what is theirs: their
name and unread count in the header, their roles, their private annotations. Those are
all covered by two numbers besides the public generation (apps/common/page_cache.py):

* the viewer's generation, bumped on commit by any write to a row that shows on their
  pages (:data:`VIEWER_MODELS`: their account, their notifications, their roles and
  moderation state), by writes to their private annotations (which bump nobody else's
  pages: ``page_cache._only_its_owner_sees``) and by the services that bulk-update such
  rows (:func:`bump_viewers_on_commit`);
* the generation of all viewers, bumped when something shared by many viewers' pages
  changes without naming them (a role group renamed or emptied).

A page is stored under the session's key (hashed), the three generations, the language,
the build and the path, so it is only ever served again to the session that rendered it
and only while nothing it shows has changed. A session signed out, rotated at sign-in or
invalidated by a password change (which saves the user: a new generation) never finds
an old page. Pages are stored with a hole for the CSRF token (page_cache.fill_csrf).

The timeout (``VIEWER_PAGE_CACHE_SECONDS``) bounds memory and anything a signal cannot
see (raw SQL, ``QuerySet.update`` outside the services).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging

from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

from . import page_cache

logger = logging.getLogger(__name__)

ALL_VIEWERS_KEY = "viewer-pages:generation:all"

# Rows shown on a viewer's own pages, and the field naming that viewer.
VIEWER_MODELS = {
    "accounts.User": "pk",
    "annotations.Notification": "recipient_id",
    "moderation.ModerationNotice": "recipient_id",
    "moderation.ModeratorScope": "user_id",
    "moderation.UserModerationState": "user_id",
}
# Rows shared by many viewers' pages: a change renders every viewer's pages afresh.
ALL_VIEWERS_MODELS = ["auth.Group"]
VIEWER_FIELDS: dict = {}  # model class -> field, filled by connect_signals()


def viewer_key(user_id) -> str:
    return f"viewer-pages:generation:{int(user_id)}"


def request_viewer_generation(request) -> int | None:
    """The signed-in viewer's generation, read once per request (the page wrapper has
    usually read it already); None when anonymous or when the cache is unreachable
    (then cache nothing personal)."""
    if not hasattr(request, "_viewer_generation"):
        user = request.user
        value = None
        if user.is_authenticated:
            try:
                value = page_cache.generation(viewer_key(user.pk))
            except page_cache.GenerationUnavailable:  # the cache backend has logged why
                pass
            except Exception:  # noqa: BLE001 - cache backends raise their own errors
                logger.warning("Page cache unreachable; no viewer generation", exc_info=True)
        request._viewer_generation = value
    return request._viewer_generation


def viewer_value(request, name: str, *, render):
    """A small value for the signed-in viewer alone (their unread count), cached under the
    public generation and theirs, like their pages: any write that could change it bumps
    one of the two. ``render()`` must return something picklable other than None. Renders
    every time when anonymous, with the cache off or unreachable."""
    timeout = getattr(settings, "VIEWER_PAGE_CACHE_SECONDS", 60)
    user = getattr(request, "user", None)
    if not timeout or user is None or not user.is_authenticated:
        return render()
    if not hasattr(request, "_public_generation") and not hasattr(request, "_viewer_generation"):
        # Neither read yet (a page without the page cache): both in one round trip; on
        # failure they are read one by one below, each failing safely.
        with contextlib.suppress(Exception):
            request._public_generation, request._viewer_generation = page_cache.generations(
                page_cache.GENERATION_KEY, viewer_key(user.pk)
            )
    public = page_cache.request_generation(request)
    own = request_viewer_generation(request)
    if public is None or own is None:
        return render()
    return page_cache.fragment(
        "viewer-value", own, user.pk, name, render=render, at_generation=public, timeout=timeout
    )


def _bump(user_ids) -> None:
    for user_id in user_ids:
        page_cache._increment(viewer_key(user_id))


def bump_viewers_on_commit(user_ids, using=None) -> None:
    """Render these viewers' pages afresh once the transaction commits. For services
    that change what a viewer's pages show without a model signal (``QuerySet.update``)."""
    ids = frozenset(int(pk) for pk in user_ids if pk is not None)
    if not ids:
        return
    transaction.on_commit(functools.partial(_bump, ids), using=using)


def bump_all_viewers() -> None:
    page_cache._increment(ALL_VIEWERS_KEY)


def _on_viewer_row(sender, instance, using=None, **kwargs) -> None:
    bump_viewers_on_commit([getattr(instance, VIEWER_FIELDS[sender])], using=using)


def _on_shared_row(sender, using=None, **kwargs) -> None:
    transaction.on_commit(bump_all_viewers, using=using)


def _on_groups_changed(sender, instance, action, reverse, pk_set, using=None, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # user.groups.add(...)
        bump_viewers_on_commit([instance.pk], using=using)
    elif pk_set:  # group.user_set.add(...)
        bump_viewers_on_commit(pk_set, using=using)
    else:  # group.user_set.clear(): who was in it is no longer known
        transaction.on_commit(bump_all_viewers, using=using)


def connect_signals() -> None:
    for label, field in VIEWER_MODELS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        VIEWER_FIELDS[model] = field
        uid = f"viewer-cache-{label}"
        post_save.connect(_on_viewer_row, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_viewer_row, sender=model, dispatch_uid=f"{uid}-delete")
    for label in ALL_VIEWERS_MODELS:
        model = apps.get_model(label)
        uid = f"viewer-cache-{label}"
        post_save.connect(_on_shared_row, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_shared_row, sender=model, dispatch_uid=f"{uid}-delete")
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    m2m_changed.connect(
        _on_groups_changed, sender=user_model.groups.through, dispatch_uid="viewer-cache-groups"
    )


def _signed_in_session(request):
    """The session's user id, or None when this request must not use the cache."""
    if request.method != "GET" or getattr(request, "htmx", False):
        return None
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or "messages" in request.COOKIES:
        return None
    session = request.session
    user_id = session.get(SESSION_KEY)
    if user_id is None or session.get("_messages") or not session.session_key:
        return None
    return user_id


def viewer_page_cache(view):
    """Serve a signed-in viewer their own page from the cache; see the module docstring.
    Anonymous requests go straight to ``view`` (wrap it in
    ``page_cache.anonymous_page_cache`` for those)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        timeout = getattr(settings, "VIEWER_PAGE_CACHE_SECONDS", 60)
        user_id = _signed_in_session(request) if timeout else None
        if user_id is None:
            return view(request, *args, **kwargs)
        try:
            public, everyone, own = page_cache.generations(
                page_cache.GENERATION_KEY, ALL_VIEWERS_KEY, viewer_key(user_id)
            )
        except Exception as exc:  # noqa: BLE001 - a cache outage degrades to rendering
            # See page_cache.request_generation() and request_viewer_generation().
            request._public_generation = request._viewer_generation = None
            if not isinstance(exc, page_cache.GenerationUnavailable):
                logger.warning("Page cache unreachable; rendering without it", exc_info=True)
            return view(request, *args, **kwargs)
        request._public_generation, request._viewer_generation = public, own
        session = hashlib.sha256(request.session.session_key.encode()).hexdigest()[:32]
        path = page_cache.request_digest(request)  # host and path
        key = (
            f"viewer-page:{page_cache.build_id()}:{public}:{everyone}:{own}:"
            f"{get_language()}:{session}:{path}"
        )
        try:
            cached = cache.get(key)
        except Exception:  # noqa: BLE001
            logger.warning("Page cache unreachable; rendering without it", exc_info=True)
            cached = None
        if cached is not None:
            response = page_cache.response_from_entry(request, cached)
            if response is not None:
                return response
        response, entry = page_cache.render_for_cache(request, view, args, kwargs)
        # Rendering may have found the session no longer valid (password changed, account
        # deactivated) and signed it out: then there is nothing of theirs to keep.
        user = getattr(request, "user", None)
        if entry is not None and user is not None and str(user.pk) == str(user_id):
            try:
                cache.set(key, entry, timeout)
            except Exception:  # noqa: BLE001
                logger.warning("Page cache unreachable; page not stored", exc_info=True)
        return response

    return wrapper
