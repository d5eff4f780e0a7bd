"""Forms of the annotations app's pages (the reader writes through the API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import GroupAccess, HighlightColour, LegendMatch


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


class LegendEntryForm(forms.Form):
    """One row of the highlight legend (checked again by the legend services)."""

    tag = forms.CharField(
        label=_("Tag"),
        max_length=64,
        help_text=_("For example country:CN, or country: as a prefix."),
    )
    match = forms.ChoiceField(
        label=_("Matches"), choices=LegendMatch.choices, initial=LegendMatch.EXACT
    )
    colour = forms.ChoiceField(label=_("Colour"), choices=HighlightColour.choices)
    label = forms.CharField(label=_("Label in the legend"), max_length=120, required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, initial=0)
