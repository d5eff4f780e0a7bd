"""The comparison page's form: up to eight countries or scopes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..dimensions import Scope


class CompareForm(forms.Form):
    countries = forms.CharField(
        label=_("Countries"),
        help_text=_("ISO codes separated by commas, e.g. CN,DE,US (up to 8)."),
        max_length=100,
    )

    def clean_countries(self) -> list[str]:
        codes = []
        for raw in self.cleaned_data["countries"].replace(" ", ",").split(","):
            code = raw.strip().upper()
            if not code:
                continue
            if code not in Scope.values and not countries.alpha2(code):
                raise forms.ValidationError(
                    _("Unknown country code “%(code)s”.") % {"code": code}, code="unknown"
                )
            if code not in codes:
                codes.append(code)
        if not codes:
            raise forms.ValidationError(_("Give at least one country code."), code="empty")
        if len(codes) > 8:
            raise forms.ValidationError(_("Compare at most 8 countries at once."), code="many")
        return codes
