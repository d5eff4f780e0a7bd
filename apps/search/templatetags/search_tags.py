"""Tags for the search page (templates/search/search.html)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def facet_value_items(values) -> SafeString:
    """A facet's ``<li>`` links, as the loop
    ``<li><a href="{{ v.url }}">{{ v.label }}</a> <span class="count">({{ v.count }})</span></li>``
    renders them. A page lists some sixty: rendered by the template engine (three
    variables each) they cost 0.8 ms a page, a quarter of rendering it."""
    count_text = formats.localize if settings.USE_THOUSAND_SEPARATOR else str
    return mark_safe(  # noqa: S308 - the URL and label are escaped, the count is a number
        "".join(
            f'<li><a href="{conditional_escape(v["url"])}">{conditional_escape(v["label"])}'
            f'</a> <span class="count">({count_text(v["count"])})</span></li>'
            for v in values
        )
    )
