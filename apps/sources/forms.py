from __future__ import annotations

import dataclasses
import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .importers import ImportRejected, validate_upload
from .models import Source, SourceType, TranslationKind
from .services import DOI_PATTERN, SourceMetadata, normalize_doi


def _file_help_text() -> str:
    return gettext("Plain text, Markdown, HTML or PDF with a text layer, up to %(limit)s.") % {
        "limit": filesizeformat(settings.SOURCE_UPLOAD_MAX_BYTES)
    }


def _max_year() -> int:
    return datetime.date.today().year + 1


class UploadFileField(forms.FileField):
    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded is None:
            return None
        limit = settings.SOURCE_UPLOAD_MAX_BYTES
        if uploaded.size > limit:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)}
            )
        content = uploaded.read()
        try:
            validate_upload(content)
        except ImportRejected as exc:
            raise ValidationError(exc.message) from exc
        uploaded.content_bytes = content
        return uploaded


class SourceFileForm(forms.Form):
    """The first step of adding a source: the file alone."""

    file = UploadFileField(label=_("File"), help_text=lazy(_file_help_text, str)())


class SourceDetailsForm(forms.Form):
    """The bibliographic record: the second step of adding a source (pre-filled with
    what the file carries, ``initial_from``), and the API's upload with its file."""

    title = forms.CharField(label=_("Title"), max_length=500)
    authors = forms.CharField(
        label=_("Authors"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, in the order of the publication."),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1000)
    published_on = forms.DateField(
        label=_("Publication date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("If you know the day (citations then give it); otherwise the year is enough."),
    )
    source_type = forms.ChoiceField(label=_("Type"), choices=SourceType.choices)
    venue = forms.CharField(label=_("Journal, venue or site"), max_length=300, required=False)
    volume = forms.CharField(label=_("Volume"), max_length=50, required=False)
    issue = forms.CharField(label=_("Issue"), max_length=50, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=300, required=False)
    doi = forms.CharField(
        label=_("DOI"), max_length=200, required=False, help_text=_("e.g. 10.1234/abcd")
    )
    url = forms.URLField(label=_("URL"), max_length=1000, required=False, assume_scheme="https")
    licence = forms.CharField(
        label=_("Licence"), max_length=200, required=False, help_text=_("e.g. CC BY 4.0")
    )
    licence_url = forms.URLField(label=_("Licence URL"), required=False, assume_scheme="https")
    language = forms.CharField(label=_("Language"), max_length=16, initial="en")
    abstract = forms.CharField(
        label=_("Abstract"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    slug = forms.SlugField(
        label=_("Short name for the URL"),
        max_length=120,
        required=False,
        help_text=_("Leave empty to make one from the author, year and title."),
    )

    @staticmethod
    def initial_from(suggested: dict) -> dict:
        """Form values from the metadata read from a file (importers/file_metadata)."""
        initial = {k: v for k, v in suggested.items() if k in SUGGESTED_FIELDS}
        if suggested.get("authors"):
            initial["authors"] = "\n".join(suggested["authors"])
        return initial

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is not None and year > _max_year():
            raise ValidationError(_("The year cannot be in the future."))
        return year

    def clean_doi(self):
        doi = normalize_doi(self.cleaned_data.get("doi", ""))
        if doi and not DOI_PATTERN.match(doi):
            raise ValidationError(
                _("A DOI looks like 10.1234/abcd (it starts with “10.” and has a slash).")
            )
        return doi

    def clean_slug(self):
        slug = self.cleaned_data.get("slug", "")
        if slug and Source.objects.filter(slug=slug).exists():
            raise ValidationError(
                _("A source with this short name already exists; choose another.")
            )
        return slug

    def clean_authors(self):
        authors = [
            line.strip() for line in self.cleaned_data["authors"].splitlines() if line.strip()
        ]
        if not authors:
            raise ValidationError(_("Name at least one author."))
        return authors

    def metadata(self) -> SourceMetadata:
        data = self.cleaned_data
        return SourceMetadata(
            title=data["title"],
            authors=data["authors"],
            year=data.get("year"),
            published_on=data.get("published_on"),
            venue=data.get("venue", ""),
            volume=data.get("volume", ""),
            issue=data.get("issue", ""),
            publisher=data.get("publisher", ""),
            doi=data.get("doi", ""),
            url=data.get("url", ""),
            licence=data.get("licence", ""),
            licence_url=data.get("licence_url", ""),
            source_type=data["source_type"],
            language=data.get("language") or "en",
            abstract=data.get("abstract", ""),
            slug=data.get("slug", ""),
        )


SUGGESTED_FIELDS = ("title", "year", "doi", "venue", "publisher", "url", "abstract", "language")


class SourceUploadForm(SourceDetailsForm):
    file = UploadFileField(
        label=_("File"),
        # Lazy as a whole: formatted at class definition it would stay in the language
        # active when the module was imported.
        help_text=lazy(_file_help_text, str)(),
    )


class NewVersionForm(forms.Form):
    file = UploadFileField(label=_("File"))


class SourceFilterForm(forms.Form):
    q = forms.CharField(label=_("Title or author"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *SourceType.choices]
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1000, max_value=3000)


class ReasonForm(forms.Form):
    """Reject or withdraw a version: the reason is required (the author reads it and the
    log keeps it)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the people concerned and kept in the moderation log."),
    )


class AcceptForm(ReasonForm):
    # Sent (a checkbox whose value is the number, written out in the template) when the
    # current version moved after the proposal was made: the version the person compared
    # the proposal with. Without it the service refuses with 409.
    current_version = forms.IntegerField(
        label=_("I compared this proposal with the current version"),
        required=False,
        min_value=1,
    )


class MaintainerForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("The person's username, as on their profile."),
    )
    reason = forms.CharField(label=_("Note for the log (optional)"), max_length=500, required=False)


class TranslationUploadForm(forms.Form):
    """A steward's upload of a translation of the source (ADR 0019)."""

    language = forms.CharField(
        label=_("Language"), max_length=16, help_text=_("A code such as “de” or “zh-hans”.")
    )
    kind = forms.ChoiceField(label=_("Kind of translation"), choices=TranslationKind.choices)
    translator = forms.CharField(
        label=_("Translated by"), max_length=300, help_text=_("The credit shown with it.")
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=_("Shown with the translation, e.g. “not reviewed by the author”."),
    )
    licence = forms.CharField(
        label=_("Licence"), max_length=200, required=False, help_text=_("e.g. CC BY 4.0")
    )
    licence_url = forms.URLField(label=_("Licence URL"), required=False, assume_scheme="https")
    title = forms.CharField(
        label=_("Translated title"),
        max_length=500,
        required=False,
        help_text=_("Leave empty to keep the original's."),
    )
    file = UploadFileField(label=_("File"), help_text=lazy(_file_help_text, str)())


class AlignmentEditForm(forms.Form):
    """One correction of an alignment (services.alignment_edit checks the rest)."""

    operation = forms.ChoiceField(
        choices=[("merge", _("Merge")), ("split", _("Split")), ("move", _("Move"))]
    )
    order = forms.IntegerField(min_value=0)
    original_at = forms.IntegerField(min_value=0, required=False)
    translated_at = forms.IntegerField(min_value=0, required=False)
    side = forms.ChoiceField(
        choices=[("", ""), ("original", _("Original")), ("translation", _("Translation"))],
        required=False,
    )
    direction = forms.ChoiceField(
        choices=[("", ""), ("earlier", _("Earlier")), ("later", _("Later"))], required=False
    )
    # The page's move buttons send side and direction as one value ("original:later").
    side_direction = forms.CharField(max_length=40, required=False)
    reason = forms.CharField(max_length=1000, required=False)

    def clean(self):
        data = super().clean()
        combined = data.pop("side_direction", "")
        if combined:
            side, _colon, direction = combined.partition(":")
            data["side"], data["direction"] = side, direction
        return data


class SourceEditForm(SourceDetailsForm):
    """A steward's correction of the record (``services.source_details_update``): the
    upload's fields and the pages, without the slug and the language, which stay as the
    source was added; with a reason for the history."""

    pages = forms.CharField(label=_("Pages"), max_length=50, required=False)
    reason = forms.CharField(
        label=_("What you corrected, and why (optional; kept in the history and the log)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = [
        "title", "authors", "year", "published_on", "source_type", "venue", "volume", "issue",
        "pages", "publisher", "doi", "url", "licence", "licence_url", "abstract", "reason",
    ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["slug"]
        del self.fields["language"]

    @staticmethod
    def initial_for(source: Source) -> dict:
        initial = {name: getattr(source, name) for name in EDIT_FIELDS}
        initial["authors"] = "\n".join(source.authors or [])
        return initial

    def metadata(self) -> SourceMetadata:
        return dataclasses.replace(super().metadata(), pages=self.cleaned_data.get("pages", ""))


EDIT_FIELDS = (
    "title", "year", "published_on", "source_type", "venue", "volume", "issue", "pages",
    "publisher", "doi", "url", "licence", "licence_url", "abstract",
)  # fmt: skip
