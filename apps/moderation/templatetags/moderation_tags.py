from django import template

from .. import permissions

register = template.Library()


@register.filter
def is_moderator(user) -> bool:
    """For the navigation link: cached per user, so ordinary pages run no query for it."""
    return permissions.shows_moderation_link(user)


@register.simple_tag
def flag_reasons():
    """The choices of the "Flag" form (templates/moderation/_flag_form.html)."""
    from ..models import FlagReason

    return FlagReason.choices
