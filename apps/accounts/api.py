"""``GET /api/me/``: the personal layer of every page (static/js/site.js).

Public pages are the same for every viewer (apps/common/public.py); what is the viewer's
own comes from here: who they are, their roles, their unread counts, links only they
need and the flash messages waiting for them (read here, so consumed). The answer is
``Cache-Control: private, no-cache`` with an ETag, so the browser revalidates it and gets
a ``304`` while nothing changed. It also makes sure the ``csrftoken`` cookie exists: the
page's forms read the token from it when they are submitted.
"""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from apps.common import me


def _payload(request) -> dict:
    user = request.user
    signed_in = bool(user.is_authenticated and user.is_active)
    payload = {
        "authenticated": signed_in,
        "user": None,
        "roles": {"moderator": False, "staff": False},
        "unread": {},
        "messages": [
            {"level": message.level_tag, "text": str(message)}
            for message in messages.get_messages(request)
        ],
        "links": {},
    }
    if not signed_in:
        payload["links"] = {
            "sign_in": reverse("account_login"),
            "sign_up": reverse("account_signup"),
        }
        return payload
    payload["user"] = {
        "username": user.get_username(),
        "name": user.public_name,
        "profile_url": reverse("accounts:profile"),
        "page_url": reverse("search:contributor", args=[user.get_username()]),
    }
    payload["roles"]["staff"] = bool(user.is_staff)
    payload["links"] = {
        "profile": reverse("accounts:profile"),
        "sign_out": reverse("account_logout"),
    }
    for key, values in me.collect(request, user).items():
        payload.setdefault(key, {}).update(values)
    return payload


def _etag_matches(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return etag in candidates or "*" in candidates


def me_view(request):
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse({"detail": _("Only GET is allowed here.")}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    get_token(request)  # the csrftoken cookie, for the page's forms
    payload = _payload(request)
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    # Messages are consumed by this answer: never replace it with a 304.
    if not payload["messages"] and _etag_matches(request, etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response
