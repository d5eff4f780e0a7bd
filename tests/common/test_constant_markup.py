"""``{% constant %}`` (apps/common/templatetags/constant_markup.py): rendered once per
language, and only markup that reads nothing from the context is accepted."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

LOAD = "{% load constant_markup i18n static %}"


def render(source: str, **context) -> str:
    return Template(LOAD + source).render(Context(context))


def test_renders_what_the_same_markup_renders_without_it():
    body = (
        "<a href=\"{% url 'sources:list' %}\">{% translate 'Sources' %}</a>"
        "{% blocktranslate %}Sign in{% endblocktranslate %} <b>&amp;</b>"
    )
    assert render("{% constant %}" + body + "{% endconstant %}") == render(body)
    assert reverse("sources:list") in render("{% constant %}" + body + "{% endconstant %}")


def test_each_language_gets_its_own_rendering():
    template = Template(LOAD + "{% constant %}{% translate 'Sources' %}{% endconstant %}")
    with translation.override("en"):
        english = template.render(Context())
    with translation.override("de"):
        german = template.render(Context())
    with translation.override("en"):
        again = template.render(Context())
    assert english == again == "Sources"
    assert german == "Quellen"


def test_a_changed_setting_renders_it_again():
    template = Template(LOAD + "{% constant %}{% static 'css/site.css' %}{% endconstant %}")
    before = template.render(Context())
    with override_settings(STATIC_URL="/elsewhere/"):
        moved = template.render(Context())
    assert moved.startswith("/elsewhere/") and not before.startswith("/elsewhere/")
    assert template.render(Context()) == before


@pytest.mark.parametrize(
    "inside",
    [
        "{{ name }}",
        "{% translate name %}",
        "{% translate 'Sources' as label %}",
        "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}",
        "{% blocktranslate with n=name %}Hello{% endblocktranslate %}",
        "{% url 'search:contributor' name %}",
        "{% static name %}",
        "{% if name %}x{% endif %}",
        "{% include 'common/_coins.html' %}",
        "{% translate 'Sources'|upper %}",
    ],
)
def test_anything_that_reads_the_context_is_refused_when_compiled(inside):
    with pytest.raises(TemplateSyntaxError, match="constant"):
        Template(LOAD + "{% constant %}" + inside + "{% endconstant %}")


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_language_options_name_each_language_in_itself_and_select_the_active_one(language):
    with translation.override(language):
        markup = Template(LOAD + "{% language_options %}").render(Context())
    options = re.findall(r'<option value="([^"]+)" lang="\1"( selected)?>([^<]+)</option>', markup)
    assert [code for code, _, _ in options] == [code for code, _ in settings.LANGUAGES]
    assert [code for code, selected, _ in options if selected] == [language]
    assert {code: name for code, _, name in options}["de"] == "Deutsch"
