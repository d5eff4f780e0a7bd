from django import template

from .. import permissions

register = template.Library()


@register.filter
def is_moderator(user) -> bool:
    """Memoised per request user: the navigation and the page share one lookup."""
    return permissions.is_moderator(user)
