"""The comparison page's form: up to eight countries or scopes, by name or code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.common.countries import CountryListInput, split_country_list

from ..dimensions import Scope

MAX_COUNTRIES = 8


class CompareForm(forms.Form):
    countries = forms.CharField(
        label=_("Countries"),
        help_text=_("Names or ISO codes separated by commas, e.g. China, Germany, US (up to 8)."),
        max_length=300,
        widget=CountryListInput(extra=Scope.choices),
    )

    def clean_countries(self) -> list[str]:
        codes, unknown = split_country_list(
            self.cleaned_data["countries"], extra=dict(Scope.choices)
        )
        if unknown:
            raise forms.ValidationError(
                _("Unknown country “%(code)s”.") % {"code": unknown[0][:60]}, code="unknown"
            )
        if not codes:
            raise forms.ValidationError(_("Give at least one country."), code="empty")
        if len(codes) > MAX_COUNTRIES:
            raise forms.ValidationError(_("Compare at most 8 countries at once."), code="many")
        return codes
