"""Forms for the queue and the log. The API parses its query string with the same filter
forms, so the page and the API filter identically."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from apps.common.countries import CountryCombobox, CountryComboboxMultiple
from apps.common.validators import as_id

from .models import QUEUE_DECISIONS, AuditAction, FlagReason, ReviewItemType, ReviewStatus


def _country_choices(blank):
    """Country names in the reader's language, sorted for it: a list built at import
    would keep the language active then (English) for everyone."""
    if blank is None:
        return lambda: list(countries)
    return lambda: [("", blank), *countries]


AGE_CHOICES = [
    ("", _("Any age")),
    ("1", _("Older than a day")),
    ("7", _("Older than a week")),
    ("30", _("Older than a month")),
]
PRIORITY_CHOICES = [
    ("", _("Any priority")),
    ("1", _("1 or more (a flag, a submission)")),
    ("2", _("2 or more (several flags)")),
    ("4", _("4 or more (urgent)")),
]
CLAIM_CHOICES = [
    ("", _("Anyone or no one")),
    ("none", _("Unclaimed")),
    ("me", _("Claimed by me")),
    ("others", _("Claimed by others")),
]
SORT_CHOICES = [
    ("priority", _("Priority, highest first")),
    ("age", _("Age, oldest first")),
    ("newest", _("Newest first")),
]


def _used_categories() -> list[tuple[str, str]]:
    from .models import ReviewItem

    used = (
        ReviewItem.objects.exclude(category__isnull=True)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )
    return [
        ("", _("All categories")),
        *((slug, slug.replace("-", " ").capitalize()) for slug in used),
    ]


class QueueFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ReviewItemType.choices]
    )
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=_country_choices(_("All countries")),
        widget=CountryCombobox,
    )
    # Chosen from a list on the page (issue 19): the categories items carry, and priority
    # bands; the API (same form) may still send any slug or number.
    category = forms.SlugField(label=_("Category"), required=False, widget=forms.Select)
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)
    min_priority = forms.FloatField(
        label=_("Priority"),
        required=False,
        min_value=0,
        widget=forms.Select(choices=PRIORITY_CHOICES),
    )
    claimed = forms.ChoiceField(label=_("Claimed"), required=False, choices=CLAIM_CHOICES)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ReviewStatus.choices, initial="open"
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the select is rendered (the page), not when the API parses a query.
        self.fields["category"].widget.choices = CallableChoiceIterator(_used_categories)

    def filters(self) -> dict:
        """Cleaned values for selectors.review_items_for_queue (call after is_valid())."""
        data = self.cleaned_data
        return {
            "item_type": data.get("type") or None,
            "country": data.get("country") or None,
            "category": data.get("category") or None,
            "older_than": timedelta(days=int(data["age"])) if data.get("age") else None,
            "min_priority": data.get("min_priority"),
            "claimed": data.get("claimed") or None,
            "status": data.get("status") or ReviewStatus.OPEN,
            "sort": data.get("sort") or "priority",
        }


def _item_id(value) -> int:
    """An item id a database column can hold (as_id), else a choice error."""
    number = as_id(value)
    if number is None:
        raise ValueError(value)
    return number


class DecideForm(forms.Form):
    items = forms.TypedMultipleChoiceField(
        label=_("Items"), coerce=_item_id, choices=(), error_messages={
            "required": _("Select at least one item (the checkboxes in the first column).")
        },
    )  # fmt: skip
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=QUEUE_DECISIONS,
        error_messages={"required": _("Choose a decision: none is made for you.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Required. The author sees it; the log keeps it."),
        error_messages={"required": _("Give a reason: the author sees it and the log keeps it.")},
    )

    def __init__(self, *args, item_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service reports ids that do not exist.
        self.fields["items"].choices = [(str(i), str(i)) for i in item_ids]


class LogFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditAction.choices]
    )
    actor = forms.CharField(label=_("Actor (user name)"), required=False, max_length=150)
    target_type = forms.CharField(label=_("Target type"), required=False, max_length=100)
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=_country_choices(_("All countries")),
        widget=CountryCombobox,
    )
    q = forms.CharField(label=_("Target or reason contains"), required=False, max_length=200)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "action": data.get("action") or None,
            "actor": data.get("actor") or None,
            "target_type": data.get("target_type") or None,
            "country": data.get("country") or None,
            "q": data.get("q") or None,
            "since": data.get("since"),
            "until": data.get("until"),
        }


class CountryCodesField(forms.MultipleChoiceField):
    """ISO 3166-1 alpha-2 codes, as the picker sends them or as typed by hand ("fr"
    counts as "FR")."""

    def to_python(self, value):
        return [code.strip().upper() for code in super().to_python(value)]


class UserMeasureForm(forms.Form):
    """One role or measure change on the user page; the service checks who may do it."""

    ACTIONS = [
        ("grant_trusted", _("Make trusted contributor")),
        ("revoke_trusted", _("Remove trusted contributor")),
        ("grant_moderator", _("Make moderator (or change their countries)")),
        ("remove_moderator_countries", _("Take countries away from a moderator")),
        ("revoke_moderator", _("Remove moderator")),
        ("premoderate_on", _("Pre-moderate their annotations")),
        ("premoderate_off", _("Stop pre-moderating their annotations")),
        ("shadow_hide_on", _("Shadow-hide")),
        ("shadow_hide_off", _("Stop shadow-hiding")),
    ]
    action = forms.ChoiceField(label=_("Change"), choices=ACTIONS)
    countries = CountryCodesField(
        label=_("Countries (moderators only)"),
        required=False,
        choices=_country_choices(None),
        # static/js/country-combobox.js turns it into chips and a type-to-find box;
        # without script it stays this list.
        widget=CountryComboboxMultiple(attrs={"size": 6}),
        help_text=_(
            "The countries to appoint them for, or to take away. Taking away their last "
            "country removes the moderator role."
        ),
    )
    every_country = forms.BooleanField(
        label=_("Every country (global moderator)"),
        required=False,
        help_text=_("Only with “Make moderator”, and with no countries chosen."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Required. Kept in the moderation log."),
        error_messages={"required": _("Give a reason: it is kept in the moderation log.")},
    )


class FlagForm(forms.Form):
    """The "Flag" form under entries, comments (and, through the API, annotations)."""

    target_type = forms.CharField(max_length=50, widget=forms.HiddenInput)
    target_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=FlagReason.choices)
    text = forms.CharField(
        label=_("Details (needed for “Other”)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UserDirectoryForm(forms.Form):
    """The user directory's search and filters. Measure filters are offered to global
    moderators only (``measures=True``); the selector refuses them to others as well."""

    q = forms.CharField(
        label=_("Name, username or ORCID iD"), required=False, max_length=200, strip=True
    )
    status = forms.ChoiceField(label=_("Show"), required=False)
    country = forms.ChoiceField(
        label=_("Moderators of country"),
        required=False,
        choices=_country_choices(_("Any country")),
        widget=CountryCombobox,
        help_text=_("With “Moderators”: those who can moderate this country."),
    )

    def __init__(self, *args, measures: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            ("", _("Everyone")),
            ("new", _("New accounts (joined this week)")),
            ("trusted", _("Trusted contributors")),
            ("moderators", _("Moderators")),
        ]
        if measures:
            self.fields["q"].label = _("Name, username, e-mail or ORCID iD")
            choices += [
                ("premoderated", _("Pre-moderated")),
                ("shadow_hidden", _("Shadow-hidden")),
            ]
        self.fields["status"].choices = choices
