from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from apps.common.countries import CountryCombobox

from .models import User
from .validators import normalize_orcid, validate_orcid


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(label=_("Display name"), max_length=120, required=False)
    country = LazyTypedChoiceField(
        label=_("Home country"),
        # Called per form: country names in the visitor's language, not the import's.
        choices=lambda: [("", _("— choose —")), *countries],
        required=False,
        widget=CountryCombobox,
    )

    def signup(self, request, user):
        # Left empty after an ORCID sign-in: the name from their ORCID record stays.
        user.display_name = self.cleaned_data.get("display_name", "") or user.display_name
        user.country = self.cleaned_data.get("country", "")
        user.save(update_fields=["display_name", "country"])


class OrcidFormField(forms.CharField):
    """Accepts the iD as people paste it (often the orcid.org URL) and normalises it
    before the length check, which applies to the bare iD."""

    def to_python(self, value):
        return normalize_orcid(super().to_python(value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "affiliation", "country", "orcid", "bio", "email_notifications"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4}), "country": CountryCombobox}
        field_classes = {"orcid": OrcidFormField}

    def clean_orcid(self):
        value = normalize_orcid(self.cleaned_data.get("orcid", ""))
        validate_orcid(value)
        return value
