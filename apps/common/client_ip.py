"""The client's address, for rate limits: the one function every throttle (flags, entries,
suggestions, uploads, comments, the API's) and allauth's log-in lock-out ask.

A client can send any ``X-Forwarded-For`` it likes, so the header is read only when the
deployment says a proxy it controls adds to it (``DJANGO_BEHIND_PROXY=true``), and then
only the entry that proxy wrote: ``DJANGO_TRUSTED_PROXY_COUNT`` entries from the right
(default 1: one nginx or Caddy in front). Everything left of it came from the client.
Otherwise the address is the TCP peer, ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

UNKNOWN = "unknown"


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address to count a request against (``"unknown"`` if there is none)."""
    meta = request.META
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0) if settings.BEHIND_PROXY else 0
    if proxies > 0:
        hops = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        # Fewer hops than trusted proxies: the request did not come through them all, so
        # nothing in the header is ours; fall back to the peer.
        if len(hops) >= proxies:
            address = _valid(hops[-proxies])
            if address is not None:
                return address
    return _valid(meta.get("REMOTE_ADDR") or "") or UNKNOWN
