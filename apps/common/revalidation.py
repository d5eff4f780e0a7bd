"""Revalidation before the rest of the request (ADR 0007): a client that sends
``If-None-Match`` with a public page's current ETag gets its ``304`` from the first
middleware that knows the language, not after the whole stack and the view decorators.

The answer is the one the page's ``public_page`` decorator would give (the same ETag from
the same inputs: build, host, language, path, the versions of what the page reads, in one
cache round trip, no query), for requests that decorator would answer the same way: a
``GET``/``HEAD`` that is not htmx, to a view wrapped by ``public_view`` directly around
``public_page`` (the same page for every viewer, and no throttle or permission check in
between that a 304 would skip). Anything else, and any request whose ETag does not match,
goes on as before; the ETag worked out here is kept on the request, so the page's own
check does not ask the cache again.

The middleware stack behind it does not run for these 304s. What it would add to one is
representation metadata a 304 should not repeat (RFC 9110, 15.4.5: a 304 carries the
validators and caching fields, ``ETag``, ``Cache-Control``, ``Vary``, which it does; the
client keeps the stored response's other headers, its CSP and ``X-Frame-Options``
included). ``SecurityMiddleware``, ``SessionMiddleware`` and ``LocaleMiddleware`` run
before it, as for every request.

Place it right after ``django.middleware.locale.LocaleMiddleware``.
"""

from __future__ import annotations

from django.urls import Resolver404, get_resolver

from . import http_cache


class EarlyRevalidationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_IF_NONE_MATCH" in request.META:
            response = not_modified_early(request)
            if response is not None:
                return response
        return self.get_response(request)


def not_modified_early(request):
    """The ``304`` for a public page whose current ETag the client holds, or None."""
    if request.method not in ("GET", "HEAD") or "HTTP_HX_REQUEST" in request.META:
        return None
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        return None
    policy = getattr(match.func, "revalidated_early", None)
    if policy is None or policy.view is not match.func:
        return None
    etag = http_cache.current_etag(request, policy.depends_on, policy.vary)
    if etag is None:
        return None
    request._http_cache_etag = ((policy.depends_on, policy.vary), etag)
    control = http_cache.cache_control(policy.s_maxage, policy.stale_while_revalidate)
    response = http_cache.not_modified(request, etag, control, policy.vary)
    if response is not None:
        response.public_page = True  # as public_view marks its answers
    return response
