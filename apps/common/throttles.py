"""The one rate limiter, for pages, the API and services alike.

Every write that people could flood (entries, suggested edits, flags, uploads, comments,
annotations) is counted here, per account (stricter for accounts younger than a day) and
per client address (``apps/common/client_ip.py``), in fixed windows kept in the shared
cache (Redis in production: every worker sees the same counts). A refusal is one
exception, :class:`RateLimited` (a ``PermissionDenied`` with ``retry_after`` seconds):

* in a service or page view: ``check_write_rate(kind=…, user=…, ip=…)`` or
  ``check_request_rate(request, kind)``; a page that catches it re-renders its form with
  ``throttled_response`` (429 + ``Retry-After``, the text kept); one that lets it through
  gets the 429 page (``apps/common/views.permission_denied``);
* in a DRF view: ``throttle_classes = [write_throttle("flag")]``, or a service that
  raises it; ``apps/common/api.exception_handler`` answers 429 + ``Retry-After`` with the
  same readable ``detail``.

Why not DRF's ``SimpleRateThrottle``: it keeps a list of timestamps that it reads and
writes back, so concurrent requests (two workers) both pass the last slot; the cache's
atomic ``incr`` cannot be raced. Windows are fixed (a burst at a window's edge may
reach twice the rate once), which is enough against scripts.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from .client_ip import client_ip

# Per kind: (per account, per account younger than a day, per address); None: no limit
# on that bucket. Override any of them with settings.WRITE_RATES = {"entry": {"user":
# "10/hour"}, ...}.
DEFAULT_RATES: dict[str, dict[str, str | None]] = {
    # Entries take a while to write: a person rarely creates or edits more than a few an
    # hour; a script does hundreds.
    "entry": {"user": "30/hour", "new_user": "5/hour", "ip": "60/hour"},
    "suggestion": {"user": "30/hour", "new_user": "5/hour", "ip": "60/hour"},
    "flag": {"user": "30/hour", "new_user": "5/hour", "ip": "60/hour"},
    # Sources and versions: each upload costs an import, and a scholar adds a few a day;
    # twelve in a second is a script.
    "upload": {"user": "10/hour", "new_user": "3/hour", "ip": "30/hour"},
    # A lively exchange on an entry, too few for a flood.
    "comment": {"user": "20/min", "new_user": "20/min", "ip": None},
    # Annotation writes (create, reply, edit, delete) through the API: a reader working
    # through a text saves a few a minute.
    "annotation": {"user": "30/min", "new_user": "30/min", "ip": None},
    # Reading groups (create, join, add, remove, new invite link): a seminar is set up in
    # a few minutes; hundreds of groups or invitations an hour is a spammer.
    "group": {"user": "60/hour", "new_user": "20/hour", "ip": "120/hour"},
    # Saving, changing or deleting a saved search (and its feed token): a few a minute.
    "saved_search": {"user": "30/hour", "new_user": "10/hour", "ip": "60/hour"},
    # Checking a value citation in the entry form's panel before it becomes a chip: a
    # coder citing every field checks a dozen in a few minutes; it writes nothing.
    "citation_check": {"user": "60/min", "new_user": "30/min", "ip": None},
}
NEW_ACCOUNT_AGE = timedelta(days=1)
_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(PermissionDenied):
    """Too many writes in the current window; ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/hour" -> (30, 3600)."""
    count, period = rate.split("/")
    return int(count), _DURATIONS[period.strip()[0]]


def rates_for(kind: str) -> dict[str, str | None]:
    configured = getattr(settings, "WRITE_RATES", {}).get(kind, {})
    return {**DEFAULT_RATES[kind], **configured}


def is_new_account(user) -> bool:
    joined = getattr(user, "date_joined", None)
    return bool(joined) and timezone.now() - joined < NEW_ACCOUNT_AGE


def _hit(key: str, limit: int, duration: int, now: int) -> int | None:
    """Count one write in the window; the seconds to wait if over the limit, else None."""
    window = now // duration
    full_key = f"throttle:{key}:{window}"
    # Counting first: one round trip for every write but the window's first (creating
    # the key first cost one more for each, and writes wait on each under load).
    try:
        count = cache.incr(full_key)
    except ValueError:  # the window's first write
        if cache.add(full_key, 1, timeout=duration + 5):
            count = 1
        else:  # another request started the window meanwhile
            try:
                count = cache.incr(full_key)
            except ValueError:  # and it expired already
                cache.set(full_key, 1, timeout=duration + 5)
                count = 1
    if count > limit:
        return max(1, (window + 1) * duration - now)
    return None


def _message(retry_after: int) -> str:
    if retry_after < 120:
        wait = ngettext("%(count)s second", "%(count)s seconds", retry_after) % {
            "count": retry_after
        }
    else:
        minutes = round(retry_after / 60)
        wait = ngettext("about %(count)s minute", "about %(count)s minutes", minutes) % {
            "count": minutes
        }
    return _(
        "You are saving faster than we allow (new accounts have a lower limit). "
        "Please wait %(wait)s and try again; nothing was saved."
    ) % {"wait": wait}


def check_write_rate(*, kind: str, user, ip: str | None, new_account: bool | None = None) -> None:
    """Count one write of ``kind`` by ``user`` from ``ip``; raise RateLimited when either
    the account's or the address's budget for the current window is spent. Without an
    address (a service called outside a request), only the account's counts.
    ``new_account`` saves the look-up when the caller knows it (``moderation.standing``)."""
    rates = rates_for(kind)
    now = int(time.time())
    waits = []
    if user is not None and user.is_authenticated:
        young = is_new_account(user) if new_account is None else new_account
        rate = rates["new_user" if young else "user"]
        if rate:
            wait = _hit(f"{kind}:user:{user.pk}", *parse_rate(rate), now)
            if wait is not None:
                waits.append(wait)
    if ip is not None and rates["ip"]:
        wait = _hit(f"{kind}:ip:{ip}", *parse_rate(rates["ip"]), now)
        if wait is not None:
            waits.append(wait)
    if waits:
        retry_after = max(waits)
        raise RateLimited(_message(retry_after), retry_after=retry_after)


def check_request_rate(request, kind: str) -> None:
    """``check_write_rate`` for the request's user and address."""
    check_write_rate(kind=kind, user=request.user, ip=client_ip(request))


def throttled_response(response, exc: RateLimited | None):
    """A page whose form was refused for going too fast: 429 with Retry-After (the form
    shows the message and keeps what was typed)."""
    if exc is not None:
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
    return response


class WriteThrottle(BaseThrottle):
    """DRF's door to the same limiter: unsafe methods count against ``kind``; a refusal
    raises RateLimited, which the API's exception handler answers with 429, Retry-After
    and the readable message. Build one with :func:`write_throttle`."""

    kind = ""

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        check_request_rate(request, self.kind)
        return True


def write_throttle(kind: str) -> type[WriteThrottle]:
    rates_for(kind)  # an unknown kind fails at import, not at the first write
    return type(f"{kind.title()}WriteThrottle", (WriteThrottle,), {"kind": kind})
