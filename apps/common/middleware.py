"""Request hardening that holds for every view.

``RejectUnencodableInputMiddleware``: PostgreSQL cannot store or compare a text with a NUL
character (psycopg refuses it before the query is sent), and a lone surrogate cannot be
encoded as UTF-8 at all. Without this, a ``%00`` in a path or a query parameter reached a
lookup and answered 500 on about twenty endpoints. Such input is never meaningful, so it
is refused up front, wherever it is: path, query string, form fields and file names,
cookies, headers. JSON bodies are checked by the API's parser (apps/common/parsers.py).
The answer is a 400 with a message a person understands: JSON with ``detail`` under
``/api/``, the 400 page elsewhere.

``PrivateCacheControlMiddleware``: a response to a signed-in visitor (or to anyone with a
session cookie) is never stored by a shared cache: ``Cache-Control: private`` is added,
``public`` removed, and a response that said nothing about caching also gets
``no-cache`` (the page is personal: it carries the visitor's name and counts). A public
page (``apps/common/public.py``) is left alone: it is the anonymous render, the same
bytes for everyone.

``SignedInHintMiddleware``: keeps the non-HttpOnly ``signed_in=1`` cookie in step with the
session, so static/js/site.js knows without a request whether to ask ``/api/me/`` for the
personal layer. It says nothing secret (the session cookie stays HttpOnly) and is only
set or cleared on private responses: a public response never carries a ``Set-Cookie``.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from .public import is_public_response

SIGNED_IN_HINT_COOKIE = "signed_in"
# Flash messages queued for a visitor who is not signed in (after signing out, say): the
# next public page cannot show them, so site.js asks /api/me/ while this cookie is set.
MESSAGES_HINT_COOKIE = "messages_waiting"

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_unencodable(text: str) -> bool:
    """A NUL character or a lone surrogate: nothing the database can hold."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _any_unencodable(query_dict) -> bool:
    return any(
        is_unencodable(key) or any(is_unencodable(value) for value in values)
        for key, values in query_dict.lists()
    )


def _problem(request) -> str | None:
    """What is wrong with the request, in words for the person who sent it, or None."""
    if is_unencodable(request.path_info):
        return _("The address contains a character that is not allowed (a NUL byte).")
    if _any_unencodable(request.GET):
        return _("A query parameter contains a character that is not allowed (a NUL byte).")
    if any(is_unencodable(key) or is_unencodable(value) for key, value in request.COOKIES.items()):
        return _("A cookie contains a character that is not allowed (a NUL byte).")
    if any(
        key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value
        for key, value in request.META.items()
    ):
        return _("A request header contains a character that is not allowed (a NUL byte).")
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in ("POST", "PUT", "PATCH") and content_type.startswith(FORM_CONTENT_TYPES):
        if _any_unencodable(request.POST):
            return _("A form field contains a character that is not allowed (a NUL byte).")
        if any(is_unencodable(f.name or "") for files in request.FILES.lists() for f in files[1]):
            return _("A file name contains a character that is not allowed (a NUL byte).")
    return None


def bad_request(request, message: str):
    """A 400 in the site's own shape: ``{"detail": …}`` for the API, the 400 page (with
    the message and the site's Content-Security-Policy) for everything else."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)

    def render(request):
        try:
            content = loader.render_to_string("400.html", {"message": message}, request=request)
        except Exception:  # noqa: BLE001 - the error page must not fail on odd input
            content = message
        return HttpResponseBadRequest(content)

    # This middleware answers before the CSP middleware has run: apply it here.
    return CSPMiddleware(render)(request)


class RejectUnencodableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = _problem(request)
        if problem is not None:
            return bad_request(request, problem)
        return self.get_response(request)


class PrivateCacheControlMiddleware:
    """Place after AuthenticationMiddleware (it reads ``request.user``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_public_response(response):
            return response
        if settings.SESSION_COOKIE_NAME in request.COOKIES or _signed_in(request):
            if response.has_header("Cache-Control"):
                patch_cache_control(response, private=True)  # drops "public"
            else:
                patch_cache_control(response, private=True, no_cache=True)
        return response


def _signed_in(request) -> bool:
    """Whether the request ends signed in. Without a session cookie the user is only
    signed in if this request signed them in (``request.user`` replaced); the lazy user
    is not evaluated then, since that reads the session (and adds ``Vary: Cookie``)."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    not_read_yet = isinstance(user, SimpleLazyObject) and user._wrapped is empty
    if not_read_yet and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return bool(user.is_authenticated)


class SignedInHintMiddleware:
    """Place after AuthenticationMiddleware; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_public_response(response):
            return response
        hinted = request.COOKIES.get(SIGNED_IN_HINT_COOKIE) == "1"
        signed_in = _signed_in(request)
        if signed_in and not hinted:
            response.set_cookie(
                SIGNED_IN_HINT_COOKIE,
                "1",
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=False,  # read by site.js: that is its whole purpose
                samesite="Lax",
            )
        elif hinted and not signed_in:
            response.delete_cookie(SIGNED_IN_HINT_COOKIE, samesite="Lax")
        storage = getattr(request, "_messages", None)
        queued = bool(getattr(storage, "added_new", False)) and not getattr(storage, "used", False)
        if queued and not signed_in:
            response.set_cookie(
                MESSAGES_HINT_COOKIE,
                "1",
                max_age=300,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=False,
                samesite="Lax",
            )
        elif request.COOKIES.get(MESSAGES_HINT_COOKIE) and getattr(storage, "used", False):
            response.delete_cookie(MESSAGES_HINT_COOKIE, samesite="Lax")
        return response
