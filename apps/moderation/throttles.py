"""Write throttles for content (entries, edits, suggestions, flags through pages): per
account and per address, stricter for accounts younger than a day. Fixed windows
counted in the cache (Redis in production, shared by every worker).

Views call ``check_write_rate`` before the service; a refusal is ``RateLimited`` with
``retry_after`` seconds, which pages turn into a 429 with a clear message and the API
into a 429 with ``Retry-After`` (DRF's Throttled).
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.client_ip import client_ip as common_client_ip

# Per kind: (per account, per account younger than a day, per address). Override any of
# them with settings.MODERATION_WRITE_RATES = {"entry": {"user": "10/hour"}, ...}.
DEFAULT_RATES: dict[str, dict[str, str]] = {
    # Entries take a while to write: a person rarely creates or edits more than a few an
    # hour; a script does hundreds.
    "entry": {"user": "30/hour", "new_user": "5/hour", "ip": "60/hour"},
    "suggestion": {"user": "30/hour", "new_user": "5/hour", "ip": "60/hour"},
    "flag": {"user": "30/hour", "new_user": "5/hour", "ip": "60/hour"},
    # Sources and versions (apps/sources/services.py): each upload costs an import, and a
    # scholar adds a few a day; twelve in a second is a script.
    "upload": {"user": "10/hour", "new_user": "3/hour", "ip": "30/hour"},
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


def rates_for(kind: str) -> dict[str, str]:
    configured = getattr(settings, "MODERATION_WRITE_RATES", {}).get(kind, {})
    return {**DEFAULT_RATES[kind], **configured}


def is_new_account(user) -> bool:
    joined = getattr(user, "date_joined", None)
    return bool(joined) and timezone.now() - joined < NEW_ACCOUNT_AGE


def client_ip(request) -> str:
    """The one client-address rule (apps/common/client_ip.py): X-Forwarded-For only from
    the proxies the deployment names, so nobody picks their own bucket."""
    return common_client_ip(request)


def _hit(key: str, limit: int, duration: int, now: int) -> int | None:
    """Count one write in the window; the seconds to wait if over the limit, else None."""
    window = now // duration
    full_key = f"throttle:{key}:{window}"
    cache.add(full_key, 0, timeout=duration + 5)
    try:
        count = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.set(full_key, 1, timeout=duration + 5)
        count = 1
    if count > limit:
        return max(1, (window + 1) * duration - now)
    return None


def check_write_rate(*, kind: str, user, ip: str | None) -> None:
    """Count one write of ``kind`` by ``user`` from ``ip``; raise RateLimited when either
    the account's or the address's budget for the current window is spent. Without an
    address (a service called outside a request), only the account's counts."""
    rates = rates_for(kind)
    now = int(time.time())
    waits = []
    if user is not None and user.is_authenticated:
        young = is_new_account(user)
        limit, duration = parse_rate(rates["new_user" if young else "user"])
        wait = _hit(f"{kind}:user:{user.pk}", limit, duration, now)
        if wait is not None:
            waits.append(wait)
    if ip is not None:
        limit, duration = parse_rate(rates["ip"])
        wait = _hit(f"{kind}:ip:{ip}", limit, duration, now)
        if wait is not None:
            waits.append(wait)
    if waits:
        retry_after = max(waits)
        minutes = max(1, round(retry_after / 60))
        raise RateLimited(
            _(
                "You are saving faster than we allow (new accounts have a lower limit). "
                "Please wait about %(minutes)s minute(s) and try again; nothing was saved."
            )
            % {"minutes": minutes},
            retry_after=retry_after,
        )


def throttled_response(response, exc: RateLimited | None):
    """A page whose form was refused for going too fast: 429 with Retry-After (the form
    shows the message)."""
    if exc is not None:
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
    return response


def check_request_rate(request, kind: str) -> None:
    """``check_write_rate`` for the request's user and address."""
    check_write_rate(kind=kind, user=request.user, ip=client_ip(request))
