"""The forms of the entry pages: creating and editing an entry, its evidence and its
linked passages. The rules are the services' (entries/validation.py); these forms only
parse input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from apps.common.countries import CountryCombobox

from ..dimensions import (
    Confidence,
    Consequence,
    Contestable,
    DataSource,
    LegalBasis,
    Lifecycle,
    Operator,
    Scope,
    Scored,
    Transparency,
)
from ..models import PASSAGE_QUOTE_MAX_LENGTH, SUMMARY_MAX_LENGTH, Relation
from .data import EvidenceData, ExampleData, PassageLinkData, editable_values
from .selectors import categories


def place_choices(*, blank: str = "") -> list:
    return [
        ("", blank or _("Choose a country")),
        (_("Supranational"), list(Scope.choices)),
        (_("Countries"), [(code, name) for code, name in countries]),
    ]


class ExampleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": SUMMARY_MAX_LENGTH}),
        help_text=_("What the system does, to whom, and why it is comparable. Markdown."),
    )
    country = forms.ChoiceField(
        label=_("Country or scope"), choices=place_choices, widget=CountryCombobox
    )
    region = forms.CharField(label=_("Region or city (optional)"), required=False, max_length=200)
    category = forms.ChoiceField(label=_("Category"))
    operator = forms.ChoiceField(label=_("Operator"), choices=Operator.choices, initial="unknown")
    scored = forms.ChoiceField(label=_("Who is scored"), choices=Scored.choices, initial="unknown")
    data_sources = forms.MultipleChoiceField(
        label=_("Data sources"),
        choices=DataSource.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if unknown."),
    )
    consequences = forms.MultipleChoiceField(
        label=_("Consequences"),
        choices=Consequence.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if unknown."),
    )
    transparency = forms.ChoiceField(
        label=_("Transparency of criteria"), choices=Transparency.choices, initial="unknown"
    )
    contestable = forms.ChoiceField(
        label=_("Right to contest"), choices=Contestable.choices, initial="unknown"
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"), choices=LegalBasis.choices, initial="unknown"
    )
    legal_note = forms.CharField(
        label=_("Legal basis note (optional)"),
        required=False,
        max_length=500,
        help_text=_("The name of the law, regulation or contract."),
    )
    lifecycle = forms.ChoiceField(
        label=_("Lifecycle"), choices=Lifecycle.choices, initial="unknown"
    )
    start_year = forms.IntegerField(label=_("Start year (optional)"), required=False)
    end_year = forms.IntegerField(label=_("End year (optional)"), required=False)
    confidence = forms.ChoiceField(
        label=_("Your confidence"), choices=Confidence.choices, initial="medium"
    )
    passage = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The words selected in the reader, carried from the reader's selection menu; the
    # service checks them against the passage's text.
    quote = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=PASSAGE_QUOTE_MAX_LENGTH, strip=False
    )
    quote_start = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    quote_end = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    # Not required: the field is only on the page when a passage is linked, and a form
    # without one must still validate.
    relation = forms.ChoiceField(
        label=_("How the example relates to the passage"),
        choices=Relation.choices,
        initial=Relation.COMPARABLE,
        required=False,
    )
    passage_note = forms.CharField(
        label=_("Note on the passage (optional)"), required=False, max_length=1000
    )
    # Rendered beside the duplicate hint (atlas/_similar.html, with its own wording);
    # this label heads the error in the form's summary: "Possible duplicates: …".
    confirm_distinct = forms.BooleanField(
        label=_("Possible duplicates"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose a category"))] + [
            (c.slug, c.name) for c in categories()
        ]
        for name in ("summary", "legal_note", "start_year", "end_year"):
            widget = self.fields[name].widget
            if self.fields[name].help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_helptext"

    def example_data(self) -> ExampleData:
        data = self.cleaned_data
        return ExampleData(
            title=data["title"],
            summary=data["summary"],
            country=data["country"],
            category=data["category"],
            region=data.get("region") or "",
            operator=data["operator"],
            scored=data["scored"],
            data_sources=data.get("data_sources") or [],
            consequences=data.get("consequences") or [],
            transparency=data["transparency"],
            contestable=data["contestable"],
            legal_basis=data["legal_basis"],
            legal_note=data.get("legal_note") or "",
            lifecycle=data["lifecycle"],
            start_year=data.get("start_year"),
            end_year=data.get("end_year"),
            confidence=data["confidence"],
        )

    def passage_links(self) -> list[PassageLinkData]:
        passage_id = self.cleaned_data.get("passage")
        if not passage_id:
            return []
        return [
            PassageLinkData(
                passage_id=passage_id,
                relation=self.cleaned_data.get("relation") or Relation.COMPARABLE,
                note=self.cleaned_data.get("passage_note") or "",
                quote=self.cleaned_data.get("quote") or "",
                quote_start=self.cleaned_data.get("quote_start"),
                quote_end=self.cleaned_data.get("quote_end"),
            )
        ]


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Title of the source"), max_length=500)
    url = forms.CharField(label=_("URL"), required=False, max_length=1000)
    doi = forms.CharField(label=_("or DOI"), required=False, max_length=200)
    publisher = forms.CharField(label=_("Publisher"), required=False, max_length=300)
    published = forms.DateField(
        label=_("Publication date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    accessed = forms.DateField(
        label=_("Accessed"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.CharField(label=_("Page (optional)"), required=False, max_length=50)
    quote = forms.CharField(
        label=_("Short quote (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # A hosted source cited as evidence (the starter entries cite the founding paper):
    # carried through an edit unchanged; the service checks that it exists.
    source = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def evidence_data(self) -> EvidenceData:
        data = self.cleaned_data
        return EvidenceData(
            source_id=data.get("source"),
            title=data["title"],
            url=data.get("url") or "",
            doi=data.get("doi") or "",
            publisher=data.get("publisher") or "",
            published=data.get("published"),
            accessed=data.get("accessed"),
            page=data.get("page") or "",
            quote=data.get("quote") or "",
        )


EvidenceFormSet = forms.formset_factory(EvidenceForm, extra=2, max_num=20)


class _RemovableFormSet(forms.BaseFormSet):
    remove_label = _("Remove")

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = self.remove_label

    def kept_forms(self) -> list:
        """Forms to keep: every filled-in form not ticked for removal (blank extra
        forms are skipped)."""
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(form)
        return kept


class EditEvidenceFormSet(_RemovableFormSet):
    remove_label = _("Remove this source")


EvidenceEditFormSet = forms.formset_factory(
    EvidenceForm, formset=EditEvidenceFormSet, extra=1, max_num=20, can_delete=True
)


def evidence_initial(example) -> list[dict]:
    return [
        {
            "title": item.title,
            "url": item.url,
            "doi": item.doi,
            "publisher": item.publisher,
            "published": item.published,
            "accessed": item.accessed,
            "page": item.page,
            "quote": item.quote,
            "source": item.source_id,
        }
        for item in example.evidence.all()
    ]


class PassageLinkForm(forms.Form):
    """One passage already linked to an entry: change how it relates, or unlink it."""

    passage = forms.IntegerField(widget=forms.HiddenInput)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=1000)
    # The selected words, kept through an edit (checked again by the service).
    quote = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=PASSAGE_QUOTE_MAX_LENGTH, strip=False
    )
    quote_start = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    quote_end = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def link_data(self) -> PassageLinkData:
        return PassageLinkData(
            passage_id=self.cleaned_data["passage"],
            relation=self.cleaned_data["relation"],
            note=self.cleaned_data.get("note") or "",
            quote=self.cleaned_data.get("quote") or "",
            quote_start=self.cleaned_data.get("quote_start"),
            quote_end=self.cleaned_data.get("quote_end"),
        )


class LinkFormSetBase(_RemovableFormSet):
    remove_label = _("Unlink this passage")


PassageLinkFormSet = forms.formset_factory(
    PassageLinkForm, formset=LinkFormSetBase, extra=0, max_num=20, can_delete=True
)


def links_initial(example) -> list[dict]:
    return [
        {
            "passage": link.passage_id,
            "relation": link.relation,
            "note": link.note,
            "quote": link.quote,
            "quote_start": link.quote_start,
            "quote_end": link.quote_end,
        }
        for link in example.passage_links.all()
    ]


class ExampleEditForm(ExampleForm):
    """The creation form plus the version the editor started from (a stale save is a
    conflict, never a silent overwrite). ``passage`` adds one more linked passage."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @classmethod
    def initial_for(cls, example) -> dict:
        initial = editable_values(example)
        for name in ("data_sources", "consequences"):
            if initial[name] == ["unknown"]:
                initial[name] = []  # the form says "leave all unticked if unknown"
        initial["version"] = example.version
        return initial
