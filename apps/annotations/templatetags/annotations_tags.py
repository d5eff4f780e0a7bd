from django import template

from apps.common import viewer_cache

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """At most one COUNT query per request, however often the tag is used on a page, and
    none while nothing changed: the count is kept under the public generation and the
    viewer's own (new and read notifications bump the latter, a notified annotation
    deleted, hidden or made private the former)."""
    request = context.get("request")
    if request is None:
        return 0
    cached = getattr(request, "_unread_notification_count", None)
    if cached is None:
        cached = viewer_cache.viewer_value(
            request,
            "unread-notifications",
            render=lambda: selectors.unread_notification_count(user=request.user),
        )
        request._unread_notification_count = cached
    return cached
