"""Showing a service's ValidationError on the form that called it."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def attach_errors(form, exc: ValidationError) -> None:
    """Each message under the field it names, when the form has that field, else above the
    form. A ValidationError without fields (a plain message) goes above the form too: the
    services raise both kinds, and ``exc.message_dict`` alone fails on the second."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
