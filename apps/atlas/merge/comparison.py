"""Comparing two entries for a merge, and what merging one into the other would do
(``MergePlan``): the form's side-by-side table, the API's preview and the merge itself
read the same plan. Which coded dimensions differ is history/diff.py's
``changed_fields`` (simple-history's ``diff_against``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.validators import as_id

from .. import contributors
from ..dimensions import UNKNOWN
from ..entries.data import editable_values
from ..entries.validation import MAX_EVIDENCE, MAX_PASSAGE_LINKS
from ..history.diff import changed_fields, display_value
from ..lifecycle.models import LifecycleEvent
from ..lifecycle.services import MAX_EVENTS, events_to_carry
from ..models import (
    Category,
    Evidence,
    Example,
    PassageLink,
    Status,
    SuggestedEdit,
    SuggestionStatus,
)

SOURCE, TARGET = "source", "target"
SIDES = (SOURCE, TARGET)


@dataclass(frozen=True)
class MergeField:
    """One choice on the merge form: the editable values compared (entries.data.
    editable_values names) and the model columns copied when the source's is kept."""

    key: str
    label: Any
    values: tuple[str, ...]
    columns: tuple[str, ...]
    # Title, summary, place and category always say something; the rest may be unknown.
    can_be_unknown: bool = True


MERGE_FIELDS: tuple[MergeField, ...] = (
    MergeField("title", gettext_lazy("Title"), ("title",), ("title", "slug"), False),
    MergeField("country", gettext_lazy("Country or scope"), ("country",), ("country", "scope"),
               False),
    MergeField("region", gettext_lazy("Region or city"), ("region",), ("region",)),
    MergeField("category", gettext_lazy("Category"), ("category",), ("category_id",), False),
    MergeField("summary", gettext_lazy("Summary"), ("summary",), ("summary", "summary_html"),
               False),
    MergeField("operator", gettext_lazy("Operator"), ("operator",), ("operator",)),
    MergeField("scored", gettext_lazy("Who is scored"), ("scored",), ("scored",)),
    MergeField("data_sources", gettext_lazy("Data sources"), ("data_sources",),
               ("data_sources",)),
    MergeField("consequences", gettext_lazy("Consequences"), ("consequences",),
               ("consequences",)),
    MergeField("transparency", gettext_lazy("Transparency of criteria"), ("transparency",),
               ("transparency",)),
    MergeField("contestable", gettext_lazy("Right to contest"), ("contestable",),
               ("contestable",)),
    # The note explains the basis: they are kept together, from the same entry.
    MergeField("legal_basis", gettext_lazy("Legal basis (with its note)"),
               ("legal_basis", "legal_note"), ("legal_basis", "legal_note")),
    MergeField("lifecycle", gettext_lazy("Lifecycle"), ("lifecycle",), ("lifecycle",)),
    MergeField("start_year", gettext_lazy("Start year"), ("start_year",), ("start_year",)),
    MergeField("end_year", gettext_lazy("End year"), ("end_year",), ("end_year",)),
    MergeField("confidence", gettext_lazy("Confidence"), ("confidence",), ("confidence",)),
)  # fmt: skip
MERGE_FIELD_KEYS = tuple(f.key for f in MERGE_FIELDS)
# The editable values the merge form compares, in its order.
COMPARED_VALUES = tuple(name for f in MERGE_FIELDS for name in f.values)


def evidence_key(evidence) -> list:
    """What makes two pieces of evidence the same (JSON-able, stored in ExampleMerge)."""
    if evidence.doi:
        return ["doi", evidence.doi.strip().lower()]
    if evidence.url:
        return ["url", evidence.url.strip().rstrip("/").lower()]
    if evidence.source_id:
        return ["source", evidence.source_id]
    return ["title", " ".join(evidence.title.split()).lower()]


# --- Comparing two entries --------------------------------------------------------------------


def _is_unknown(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return not value or list(value) == [UNKNOWN]
    return value in (None, "", UNKNOWN)


@dataclass
class FieldComparison:
    """One coded dimension of the two entries, side by side, for the form and the API.
    ``default`` is the side preselected (the known value when the other is unknown;
    None when both are known and differ); ``choice`` what the moderator picked."""

    key: str
    label: str
    source_display: str
    target_display: str
    differs: bool
    default: str | None
    choice: str | None = None
    error: str = ""

    @property
    def selected(self) -> str | None:
        return self.choice or self.default


def _display(merge_field: MergeField, values: Mapping, names: Mapping[str, str]) -> str:
    parts = [
        display_value(name, values[name], category_names=names)
        for name in merge_field.values
        if not (name == "legal_note" and not values[name])
    ]
    return " — ".join(parts)


def compare_entries(*, source: Example, target: Example) -> list[FieldComparison]:
    """Every field of MERGE_FIELDS for ``source`` and ``target``, in the form's order."""
    names = dict(Category.objects.values_list("slug", "name"))
    source_values, target_values = editable_values(source), editable_values(target)
    differing = set(changed_fields(source, target, fields=COMPARED_VALUES))
    rows = []
    for merge_field in MERGE_FIELDS:
        ours = [source_values[name] for name in merge_field.values]
        theirs = [target_values[name] for name in merge_field.values]
        differs = any(name in differing for name in merge_field.values)
        default = None
        if not differs:
            default = TARGET
        elif merge_field.can_be_unknown:
            source_unknown = all(_is_unknown(v) for v in ours)
            target_unknown = all(_is_unknown(v) for v in theirs)
            if source_unknown and not target_unknown:
                default = TARGET
            elif target_unknown and not source_unknown:
                default = SOURCE
        rows.append(
            FieldComparison(
                key=merge_field.key,
                label=str(merge_field.label),
                source_display=_display(merge_field, source_values, names),
                target_display=_display(merge_field, target_values, names),
                differs=differs,
                default=default,
            )
        )
    return rows


def resolve_choices(
    comparison: list[FieldComparison], fields: Mapping[str, Any] | None
) -> dict[str, str]:
    """The side kept for every field that differs ({key: "source"|"target"}), from the
    moderator's ``fields`` and the defaults; ValidationError (keyed ``fields`` and
    ``fields.<key>``) for a malformed choice or a differing field left without one."""
    if fields is None:
        fields = {}
    if not isinstance(fields, Mapping):
        raise ValidationError(
            {
                "fields": _(
                    "“fields” must map field names to “source” or “target”, e.g. "
                    '{"legal_basis": "source"}.'
                )
            }
        )
    errors: dict[str, list[str]] = {}
    unknown = sorted(str(key) for key in fields if key not in MERGE_FIELD_KEYS)
    if unknown:
        errors["fields"] = [
            _("“%(names)s”: no such field to choose. Choose from: %(choices)s.")
            % {"names": ", ".join(name[:50] for name in unknown),
               "choices": ", ".join(MERGE_FIELD_KEYS)}
        ]  # fmt: skip
    for key, side in fields.items():
        if key in MERGE_FIELD_KEYS and side not in SIDES and side not in (None, ""):
            errors[f"fields.{key}"] = [
                _("“%(value)s” is not a choice for %(field)s: say “source” (the entry merged "
                  "away) or “target” (the entry kept).")
                % {"value": str(side)[:50], "field": key}
            ]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    chosen: dict[str, str] = {}
    missing = []
    for row in comparison:
        if not row.differs:
            continue
        side = fields.get(row.key) or row.default
        row.choice = fields.get(row.key) or None
        if side is None:
            missing.append(row)
        else:
            chosen[row.key] = side
    if missing:
        message = _(
            "The two entries differ on %(fields)s: choose which value to keep for each "
            "(nothing is dropped silently)."
        ) % {"fields": ", ".join(f"{row.label} ({row.key})" for row in missing)}
        raise ValidationError(
            {
                "fields": [message],
                **{
                    f"fields.{row.key}": [
                        _("Choose which value of “%(field)s” to keep.") % {"field": row.label}
                    ]
                    for row in missing
                },
            }
        )
    return chosen


def column_value(example: Example, column: str) -> Any:
    """A model column's value as stored in ExampleMerge.field_changes (JSON-able)."""
    value = getattr(example, column)
    if column == "country":
        return getattr(value, "code", value) or ""
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


def changes_for(source: Example, target: Example, chosen: Mapping[str, str]) -> dict:
    """{column: [target's value, source's value]} for the columns the choices change."""
    changes = {}
    for merge_field in MERGE_FIELDS:
        if chosen.get(merge_field.key) != SOURCE:
            continue
        for column in merge_field.columns:
            before, after = column_value(target, column), column_value(source, column)
            if before != after:
                changes[column] = [before, after]
    return changes


def check_years(values: Mapping[str, Any]) -> None:
    start, end = values.get("start_year"), values.get("end_year")
    if start and end and end < start:
        raise ValidationError(
            {
                "fields": _(
                    "With these choices the end year (%(end)s) comes before the start year "
                    "(%(start)s): keep both years from the same entry, or fix one first."
                )
                % {"end": end, "start": start}
            }
        )


# --- What a merge would do ----------------------------------------------------------------------


@dataclass
class MergePlan:
    """What merging ``source`` into ``target`` would do, for the form, the API preview and
    the merge itself."""

    source: Example
    target: Example
    fields: list[FieldComparison]
    new_evidence: list[Evidence]
    new_links: list[PassageLink]
    target_evidence_count: int
    target_link_count: int
    credited: list[str] = field(default_factory=list)
    # The source's dated lifecycle changes the target lacks (copied to it), and how many
    # the target has.
    new_events: list[LifecycleEvent] = field(default_factory=list)
    target_event_count: int = 0
    # The source's name-only credits (imported, ADR 0017) the target gains, as added.
    recorded_credited: list[dict] = field(default_factory=list)
    suggestions_moved: list[SuggestedEdit] = field(default_factory=list)
    suggestions_declined: list[SuggestedEdit] = field(default_factory=list)

    @property
    def differing(self) -> list[FieldComparison]:
        return [row for row in self.fields if row.differs]

    @property
    def identical(self) -> list[FieldComparison]:
        return [row for row in self.fields if not row.differs]


def plan_merge(source: Example, target: Example) -> MergePlan:
    target_evidence = list(target.evidence.all())
    known = {tuple(evidence_key(e)) for e in target_evidence}
    new_evidence = []
    for evidence in source.evidence.all():
        key = tuple(evidence_key(evidence))
        if key not in known:
            known.add(key)
            new_evidence.append(evidence)
    linked = {link.passage_id for link in target.passage_links.all()}
    new_links = [link for link in source.passage_links.all() if link.passage_id not in linked]
    on_target = {row.user_id for row in contributors.contributors_of_uncached(target)}
    if target.author_id is not None:
        on_target.add(target.author_id)
    credited = []
    for user in contributors.credited_accounts(source):
        if user.pk not in on_target:
            on_target.add(user.pk)
            credited.append(user.public_name)
    moved, declined = [], []
    for suggestion in (
        SuggestedEdit.objects.filter(example=source, status=SuggestionStatus.OPEN)
        .select_related("proposer")
        .order_by("pk")
    ):
        replaces_lists = "evidence" in suggestion.changes or "passages" in suggestion.changes
        (declined if replaces_lists else moved).append(suggestion)
    new_events, target_event_count = events_to_carry(source=source, target=target)
    return MergePlan(
        source=source,
        target=target,
        fields=compare_entries(source=source, target=target),
        new_evidence=new_evidence,
        new_links=new_links,
        target_evidence_count=len(target_evidence),
        target_link_count=len(linked),
        credited=credited,
        new_events=new_events,
        target_event_count=target_event_count,
        recorded_credited=contributors.recorded_credits_to_carry(source=source, target=target),
        suggestions_moved=moved,
        suggestions_declined=declined,
    )


# --- Checks shared by the preview and the merge ---------------------------------------------


def target_id_from(value: Any) -> int:
    """The entry number a moderator typed (``12`` or ``#12``), or ValidationError."""
    text = str(value if value is not None else "").strip().lstrip("#")
    if not text:
        raise ValidationError({"into": _("Choose the entry to merge into.")})
    number = as_id(text)
    if number is None:
        raise ValidationError(
            {"into": _("“%(value)s” is not an entry number.") % {"value": text[:50]}}
        )
    return number


def check_pair(source: Example, target: Example) -> None:
    """The statuses that make a merge impossible (ValidationError)."""
    if source.status == Status.MERGED:
        raise ValidationError(
            {
                "source": _("This entry was already merged into #%(id)s.")
                % {"id": source.merged_into_id}
            }
        )
    if target.status == Status.MERGED:
        raise ValidationError(
            {
                "into": _(
                    "Entry #%(id)s was itself merged into #%(next)s: merge into that one instead."
                )
                % {"id": target.pk, "next": target.merged_into_id}
            }
        )
    if target.status == Status.REJECTED:
        raise ValidationError(
            {"into": _("Entry #%(id)s was rejected: merge into a live entry.") % {"id": target.pk}}
        )


def check_limits(plan: MergePlan) -> None:
    """What the two entries hold together must fit in one (ValidationError on ``into``)."""
    limits = (
        (
            plan.target_evidence_count + len(plan.new_evidence), MAX_EVIDENCE,
            gettext_lazy(
                "Together the two entries have %(n)s different pieces of evidence; an entry "
                "holds at most %(limit)s. Remove some first."
            ),
        ),
        (
            plan.target_event_count + len(plan.new_events), MAX_EVENTS,
            gettext_lazy(
                "Together the two entries record %(n)s different lifecycle changes; an entry "
                "holds at most %(limit)s. Remove some first."
            ),
        ),
        (
            plan.target_link_count + len(plan.new_links), MAX_PASSAGE_LINKS,
            gettext_lazy(
                "Together the two entries link %(n)s passages; an entry links at most "
                "%(limit)s. Remove some first."
            ),
        ),
    )  # fmt: skip
    for count, limit, message in limits:
        if count > limit:
            raise ValidationError({"into": str(message) % {"n": count, "limit": limit}})
