from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """The header's unread count on private pages (public pages get it from /api/me/):
    one COUNT query per request, however often the tag is used on a page."""
    request = context.get("request")
    if request is None:
        return 0
    cached = getattr(request, "_unread_notification_count", None)
    if cached is None:
        cached = selectors.unread_notification_count(user=request.user)
        request._unread_notification_count = cached
    return cached
