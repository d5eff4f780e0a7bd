"""Public pages: the same bytes for every viewer, so a shared cache may keep them.

``@public_view`` (outermost on a view) renders the page as an anonymous visitor would
see it, whoever asks: ``request.user`` is an ``AnonymousUser`` while the view runs and
``request.public_page`` is True. Nothing personal can reach the HTML (the header's name,
unread counts, role-specific controls and flash messages come from ``GET /api/me/`` and
from private fragments, filled in by static/js/site.js), and the session is never read
on this path: no ``Vary: Cookie``, no ``Set-Cookie``, no CSRF token in the page (forms
take it from the ``csrftoken`` cookie when they are submitted).

The one exception is a page that exists only for some signed-in people (a draft entry, a
proposed version): when the anonymous render is a 404 or a 403 and the real viewer is
signed in, the view runs again as them and the answer is ``Cache-Control: private,
no-cache``. The real viewer is kept as ``request.viewer`` for that fallback only.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import patch_cache_control

# An anonymous render with one of these, for a signed-in viewer, is rendered again for them.
NOT_FOUND_OR_FORBIDDEN = (403, 404)


def is_public_response(response) -> bool:
    """Whether ``response`` is a public page's anonymous render (the middleware that marks
    signed-in responses private leaves those alone)."""
    return getattr(response, "public_page", False)


def _render(view, request, args, kwargs):
    """The view's response, rendered now (a TemplateResponse would otherwise render
    after the wrapper has put the real viewer back), or the 404/403 it raised."""
    try:
        response = view(request, *args, **kwargs)
    except (Http404, PermissionDenied) as refusal:
        return refusal, 404 if isinstance(refusal, Http404) else 403
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response, response.status_code


def public_view(view):
    """See the module docstring."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        viewer = getattr(request, "user", None)  # lazy: reading it would read the session
        if viewer is None:
            viewer = AnonymousUser()
        request.viewer = viewer
        request.user = AnonymousUser()
        request.public_page = True
        response, status = _render(view, request, args, kwargs)
        if status in NOT_FOUND_OR_FORBIDDEN and viewer.is_authenticated:
            # Reading the session here is fine: this answer is private anyway.
            request.user = viewer
            request.public_page = False
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if isinstance(response, Exception):  # the anonymous 404/403 for an anonymous viewer
            raise response
        if response.status_code < 400 and not response.has_header("Cache-Control"):
            # The HTTP cache's decorators set this for the payloads they serve; a public
            # view without them still tells shared caches the same.
            patch_cache_control(
                response, public=True, max_age=0, s_maxage=settings.HTTP_CACHE_S_MAXAGE
            )
        response.public_page = True
        return response

    wrapper.public_view = True
    # The page is the same for everyone: a client holding its current ETag may be told so
    # before the rest of the request runs (apps/common/revalidation.py). Only when this
    # wraps the caching decorator itself, nothing (a throttle, a permission) in between.
    policy = getattr(view, "http_cache_policy", None)
    if policy is not None and policy.view is view:
        wrapper.revalidated_early = policy._replace(view=wrapper)
    return wrapper
