"""The "Suggest an edit" form: the entry's editable fields and a comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..entries.forms import ExampleForm
from ..models import COMMENT_MAX_LENGTH


class SuggestEditForm(ExampleForm):
    """The entry's editable fields, filled in, plus a comment for the author. Evidence
    and passage links are not part of a suggestion (the comment can propose them)."""

    comment = forms.CharField(
        label=_("Comment for the author (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the change, and where it is documented."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("passage", "relation", "passage_note", "confirm_distinct"):
            del self.fields[name]
        self.fields["comment"].widget.attrs["aria-describedby"] = "id_comment_helptext"
