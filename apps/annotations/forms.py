"""Forms of the annotations app's pages (the reader writes through the API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import GroupAccess


class GroupForm(forms.Form):
    """A new reading group. Lengths and choices are checked again by ``group_create``."""

    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    access = forms.ChoiceField(
        label=_("Who may join"),
        choices=GroupAccess.choices,
        initial=GroupAccess.INVITE,
        widget=forms.RadioSelect,
    )
