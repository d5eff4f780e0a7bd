from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NOTES_MAX_LENGTH, TITLE_MAX_LENGTH


class ReleaseForm(forms.Form):
    """The fields of a new release; the service checks them (the API shares it)."""

    version = forms.CharField(
        label=_("Version"), max_length=40,
        help_text=_("Three numbers, e.g. 1.0.0; higher than the latest release."),
    )  # fmt: skip
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    notes = forms.CharField(
        label=_("Release notes"), required=False, max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}), help_text=_("Markdown."),
    )  # fmt: skip


class DoiForm(forms.Form):
    doi = forms.CharField(label=_("DOI"), max_length=220, required=False)
