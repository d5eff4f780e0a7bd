"""Countries asked for by name: one place that turns what a person typed ("China",
"china", "CHN", "CN", "156", "USA") into an ISO 3166-1 alpha-2 code, and the form widget
that lets them pick a country by name with autocomplete (static/js/country-combobox.js
turns it into an accessible combobox; without JavaScript it stays a plain select).

Used by the atlas (entry form, map filters, comparison), the profile and, through the
same widget, any other app that asks for a country. Higher apps add their own places
(the atlas's supranational scopes) through ``extra`` instead of this module knowing them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries

# Names people type that django-countries does not know (its names are the common
# English short names plus the ISO ones). Lower case, alpha-2 code.
ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "korea": "KR",
    "republic of korea": "KR",
    "russian federation": "RU",
    "holland": "NL",
    "prc": "CN",
    "people's republic of china": "CN",
    "mainland china": "CN",
}
MAX_INPUT = 100


def country_code(text: str, *, extra: Mapping[str, str] | None = None) -> str | None:
    """The alpha-2 code (or a key of ``extra``) that ``text`` names, or None.

    Accepts an alpha-2, alpha-3 or numeric code, a country's name in English or the
    active language (any case, surrounding spaces ignored), a common alias, and for
    ``extra`` ({code: label}) its codes and labels. Never raises on hostile input."""
    text = re.sub(r"\s+", " ", (text or "").replace("\x00", "")).strip()
    if not text or len(text) > MAX_INPUT:
        return None
    upper = text.upper()
    lower = text.lower()
    for code, label in (extra or {}).items():
        if upper == code.upper() or lower == str(label).lower():
            return code
    # Codes: only short ones (django-countries would int() a long digit string).
    if len(text) <= 3 and re.fullmatch(r"[A-Za-z]{2,3}|\d{1,3}", text):
        code = countries.alpha2(upper)
        if code:
            return code
    if lower in ALIASES:
        return ALIASES[lower]
    for language in dict.fromkeys([get_language() or "en", "en"]):
        code = countries.by_name(text, language=language)
        if code:
            return code
    return None


def search_terms(code: str) -> str:
    """What else finds ``code`` in the combobox besides its name: its codes and aliases."""
    terms = [code, countries.alpha3(code) or ""]
    terms += [alias for alias, aliased in ALIASES.items() if aliased == code]
    return " ".join(t for t in terms if t)


def _combobox_attrs(attrs: dict, mode: str) -> dict:
    attrs["data-country-combobox"] = mode
    # The script's words, translated here (it has no catalogue of its own).
    attrs["data-results"] = _("Matching countries: %(n)s")
    attrs["data-no-results"] = _("No matching country")
    return attrs


class CountryCombobox(forms.Select):
    """A select of countries that static/js/country-combobox.js (loaded on every page)
    upgrades into a combobox: type part of a name, pick with the arrow keys and Enter.
    The select stays the submitted field, so the server sees a code either way."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        return _combobox_attrs(super().build_attrs(base_attrs, extra_attrs), "")

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-search"] = search_terms(str(value))
        return option


class CountryComboboxMultiple(forms.SelectMultiple):
    """Several countries: the same script shows the chosen ones as chips (buttons that
    remove them) and a box that finds the others by name or code. The multiple select
    stays the submitted field."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = _combobox_attrs(super().build_attrs(base_attrs, extra_attrs), "")
        attrs["data-chosen-label"] = _("Chosen countries")
        attrs["data-remove-label"] = _("Remove")
        return attrs

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-search"] = search_terms(str(value))
        return option


class CountryListInput(forms.TextInput):
    """A text box for several countries separated by commas; the combobox script
    completes the name being typed (the last one). Without the script, the browser's
    own datalist suggests names."""

    def __init__(self, attrs=None, *, extra: Iterable[tuple[str, str]] = ()):
        super().__init__(attrs)
        self.extra = list(extra)

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = _combobox_attrs(super().build_attrs(base_attrs, extra_attrs), "list")
        attrs.setdefault("autocomplete", "off")
        return attrs

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["list"] = f"{widget_attrs.get('id') or name}-countries"
        return context

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id') or name}-countries"
        options = format_html_join(
            "",
            '<option value="{}" data-code="{}" data-search="{}"></option>',
            (
                (label, code, search_terms(code) if len(code) == 2 else code)
                for code, label in country_options(self.extra)
            ),
        )
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)


def split_country_list(
    text: str, *, extra: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """("China, Germany; US") -> (["CN", "DE", "US"], unknown pieces). Commas and
    semicolons separate; a piece that names nothing is tried together with the next, so
    "Bonaire, Sint Eustatius and Saba" still reads as one country."""
    pieces = [p.strip() for p in re.split(r"[,;\n]", (text or "").replace("\x00", ""))]
    pieces = [p for p in pieces if p]
    codes: list[str] = []
    unknown: list[str] = []
    index = 0
    while index < len(pieces):
        code = country_code(pieces[index], extra=extra)
        if code is None and index + 1 < len(pieces):
            joined = country_code(f"{pieces[index]}, {pieces[index + 1]}", extra=extra)
            if joined:
                code = joined
                index += 1
        if code is None:
            unknown.append(pieces[index])
        elif code not in codes:
            codes.append(code)
        index += 1
    return codes, unknown


def country_options(extra: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """(code, name) for the datalist the list input completes from."""
    return [*extra, *((code, str(name)) for code, name in countries)]
