"""``{% constant %}…{% endconstant %}``: markup that reads nothing from the context (text,
``{% translate "…" %}``, ``{% blocktranslate %}`` without variables, ``{% url 'name' %}``
and ``{% static '…' %}`` with literal arguments) is rendered once per process, language and
script prefix, then reused, like the compiled template it belongs to.

The block is checked when the template is compiled: anything else inside it (a variable,
a filter, an ``{% if %}``, an include) is a ``TemplateSyntaxError``, so a cached block can
never hold one request's or one row's data. It holds no content from the database either:
only the code's own strings in the active language, so a page "rendered from nothing"
still reads and renders everything it shows (docs/benchmarks.md, "Cold reader, session 9").
The page chrome and the reader's static panels were ~100 translation look-ups, ~20
``reverse()`` and ~10 static-file look-ups per page.
"""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import FilterExpression, TextNode, Variable
from django.template.defaulttags import CommentNode, URLNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info

register = template.Library()


def _literal(expression) -> bool:
    """Whether a tag argument is a literal (a quoted string or a number), no filters."""
    if expression is None:
        return True
    if not isinstance(expression, FilterExpression) or expression.filters:
        return False
    var = expression.var
    return not isinstance(var, Variable) or var.lookups is None


def _constant(node) -> bool:
    if isinstance(node, TextNode | CommentNode):
        return True
    if isinstance(node, TranslateNode):
        return (
            node.asvar is None
            and _literal(node.filter_expression)
            and (node.message_context is None or _literal(node.message_context))
        )
    if isinstance(node, BlockTranslateNode):
        return (
            not node.extra_context
            and not node.plural
            and node.asvar is None
            and node.message_context is None
            and all(token.token_type.name == "TEXT" for token in node.singular)
        )
    if isinstance(node, URLNode):
        return (
            node.asvar is None
            and _literal(node.view_name)
            and all(map(_literal, node.args))
            and all(map(_literal, node.kwargs.values()))
        )
    if isinstance(node, StaticNode):
        return node.varname is None and _literal(node.path)
    return False


# Bumped whenever a setting changes (tests' override_settings: ROOT_URLCONF, STATIC_URL,
# STORAGES, ...): every block renders afresh after it.
_settings_generation = 0


@receiver(setting_changed)
def _forget_renderings(**kwargs) -> None:
    global _settings_generation
    _settings_generation += 1


class ConstantNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered: dict[tuple, str] = {}
        self.generation = _settings_generation

    def render(self, context) -> str:
        if self.generation != _settings_generation:
            self.rendered, self.generation = {}, _settings_generation
        # What a literal translate, url or static tag can depend on besides the code.
        key = (get_language(), get_script_prefix(), get_urlconf(), context.autoescape)
        markup = self.rendered.get(key)
        if markup is None:
            markup = self.rendered[key] = mark_safe(self.nodelist.render(context))  # noqa: S308
        return markup


@register.tag
def constant(parser, token):
    nodelist = parser.parse(("endconstant",))
    parser.delete_first_token()
    for node in nodelist:
        if not _constant(node):
            raise template.TemplateSyntaxError(
                f"{{% constant %}} may hold only text, literal translate/blocktranslate, "
                f"url and static tags, not {node!r} (line {token.lineno})"
            )
    return ConstantNode(nodelist)


@register.simple_tag
def language_options() -> str:
    """The language switcher's ``<option>``s: every language of ``settings.LANGUAGES`` by
    its own name, the active one selected. Nothing in them but the settings and the active
    language, so they are built once per process and language, like a constant block."""
    return _language_options(get_language(), _settings_generation)


@functools.lru_cache(maxsize=32)
def _language_options(current: str, generation: int) -> str:
    return format_html_join(
        "\n    ",
        '<option value="{}" lang="{}"{}>{}</option>',
        (
            (code, code, mark_safe(" selected") if code == current else "",
             get_language_info(code)["name_local"])
            for code, _name in settings.LANGUAGES
        ),
    )  # fmt: skip
