"""apps.common.forms.attach_errors: a service's ValidationError shown on the form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from apps.common.forms import attach_errors


class NameForm(forms.Form):
    name = forms.CharField()


def bound():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    return form


def test_a_field_message_goes_under_its_field_and_an_unknown_field_above_the_form():
    form = bound()
    attach_errors(form, ValidationError({"name": "Taken.", "version": "Stale."}))
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Stale."]


def test_a_plain_message_goes_above_the_form():
    """Services raise messages without a field too; ``message_dict`` alone would fail."""
    form = bound()
    attach_errors(form, ValidationError("Only a failed release can be built again."))
    assert form.non_field_errors() == ["Only a failed release can be built again."]
    assert "name" not in form.errors
