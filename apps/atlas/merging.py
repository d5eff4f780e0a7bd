"""Merging duplicate entries, and undoing a merge (after Wikidata: nothing is lost).

Merging B (the duplicate, ``source``) into A (``target``):

- Field by field, where B's and A's codings differ (every dimension in MERGE_FIELDS:
  title, place, region, category, summary, operator, who is scored, data sources,
  consequences, transparency, right to contest, legal basis with its note, lifecycle,
  start and end year, confidence), the moderator chooses which value A keeps
  (``fields={"legal_basis": "source", ...}``). A known value beats "unknown" by default;
  where both are known and differ there is no default, and a merge without a choice for
  such a field is refused, naming the fields: nothing differs silently. A's chosen
  values are written as a new version of A (its history shows them).
- A gains copies of B's evidence and passage links that it lacks (evidence is the same
  when its DOI, else its URL, else its hosted source, else its title matches; links when
  they name the same passage). B keeps its own rows untouched.
- A credits every contributor of B (apps/atlas/contributors.py); B's contributors are
  told (in the app and by e-mail, never the acting moderator) with the reason and a link
  to A.
- B's discussion moves to A (services.comments_move), threads intact. B's open
  suggested edits move to A (those that only propose values), or are declined with the
  merge (an author's pending edit carrying evidence or passage lists, which would
  replace A's). Open review items about B are closed as "merged"; flags on B are
  resolved as agreed (B leaves public view, as a hide would).
- B gets status ``merged`` and ``merged_into`` A: it leaves every list, count, map and
  export, and its page and API address answer 301 to A for good (following later merges).
- One ExampleMerge row records exactly what was added to A, what changed on A (values
  before and after) and what moved; one audit-log row records it for people.

Undoing puts A's own values back (those not edited again since: a later edit wins and is
listed in the audit row), removes from A what the merge added (evidence, links, credit),
moves the comments back (with replies posted to those threads since) and the moved
suggestions still open, and gives B its status back: B is again exactly what it was.
Nothing decided is re-opened (suggestions decided since stay decided); a B that was
awaiting review goes back in the queue as a new item.

Who: moderators whose country scope covers both entries (global moderators and admins:
all). Bad input is a ValidationError, a missing right a PermissionDenied, a comparison
made on versions that moved since a StaleVersion; nothing is stored when one is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.validators import as_id
from apps.moderation import permissions as moderation_permissions
from apps.moderation.models import AuditAction, Decision, ReviewItemType
from apps.moderation.services import (
    audit_record,
    flags_resolve,
    notice_create,
    review_items_refresh,
    review_items_settle,
)
from apps.search.services import search_index_example

from . import contributors, history
from .models import (
    UNKNOWN,
    Category,
    EntryComment,
    Evidence,
    Example,
    ExampleMerge,
    PassageLink,
    Status,
    SuggestedEdit,
    SuggestionStatus,
)
from .selectors import display_value, editable_values
from .services import MAX_EVIDENCE, MAX_PASSAGE_LINKS, StaleVersion, comments_move

# A chain of merges (B into A, later A into C) is followed this far; merging into a
# merged entry is refused, so real chains are short.
MAX_CHAIN = 20
CANDIDATE_LIMIT = 50

SOURCE, TARGET = "source", "target"
SIDES = (SOURCE, TARGET)


@dataclass(frozen=True)
class MergeField:
    """One choice on the merge form: the editable values compared (selectors.
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


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, (list, tuple)) or isinstance(new, (list, tuple)):
        return list(old or []) == list(new or [])
    return old == new or (old in (None, "") and new in (None, ""))


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
    rows = []
    for merge_field in MERGE_FIELDS:
        ours = [source_values[name] for name in merge_field.values]
        theirs = [target_values[name] for name in merge_field.values]
        differs = not all(_same(a, b) for a, b in zip(ours, theirs, strict=True))
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


def _resolve_choices(
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


def _column(example: Example, column: str) -> Any:
    """A model column's value as stored in ExampleMerge.field_changes (JSON-able)."""
    value = getattr(example, column)
    if column == "country":
        return getattr(value, "code", value) or ""
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


def _changes_for(source: Example, target: Example, chosen: Mapping[str, str]) -> dict:
    """{column: [target's value, source's value]} for the columns the choices change."""
    changes = {}
    for merge_field in MERGE_FIELDS:
        if chosen.get(merge_field.key) != SOURCE:
            continue
        for column in merge_field.columns:
            before, after = _column(target, column), _column(source, column)
            if before != after:
                changes[column] = [before, after]
    return changes


def _check_years(values: Mapping[str, Any]) -> None:
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
    suggestions_moved: list[SuggestedEdit] = field(default_factory=list)
    suggestions_declined: list[SuggestedEdit] = field(default_factory=list)

    @property
    def differing(self) -> list[FieldComparison]:
        return [row for row in self.fields if row.differs]

    @property
    def identical(self) -> list[FieldComparison]:
        return [row for row in self.fields if not row.differs]


def _plan(source: Example, target: Example) -> MergePlan:
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
    return MergePlan(
        source=source,
        target=target,
        fields=compare_entries(source=source, target=target),
        new_evidence=new_evidence,
        new_links=new_links,
        target_evidence_count=len(target_evidence),
        target_link_count=len(linked),
        credited=credited,
        suggestions_moved=moved,
        suggestions_declined=declined,
    )


# --- Reading --------------------------------------------------------------------------------


def merge_destination(example: Example) -> Example:
    """Where a merged entry leads now: its ``merged_into``, followed through later merges
    (the entry itself when it is not merged)."""
    current, seen = example, {example.pk}
    for _step in range(MAX_CHAIN):
        if current.status != Status.MERGED or current.merged_into_id is None:
            return current
        following = Example.objects.select_related("merged_into").get(pk=current.merged_into_id)
        if following.pk in seen:
            break
        seen.add(following.pk)
        current = following
    return current


def merged_destination_for(example_id: Any) -> Example | None:
    """For pages that could not find ``example_id``: the entry it was merged into (followed
    to the end of the chain), or None when it is not a merged entry."""
    if not str(example_id).isdigit():
        return None
    example = Example.objects.filter(pk=example_id, status=Status.MERGED).first()
    if example is None or example.merged_into_id is None:
        return None
    return merge_destination(example)


def merges_for(*, example: Example, viewer) -> list[ExampleMerge]:
    """Live merges into or out of ``example`` that ``viewer`` may undo (moderators in
    scope); empty for anyone else."""
    if not history.can_moderate_entry(user=viewer, example=example):
        return []
    return list(
        ExampleMerge.objects.filter(Q(target=example) | Q(source=example), undone_at__isnull=True)
        .select_related("source", "target", "merged_by")
        .order_by("-created", "-pk")
    )


def merge_candidates(*, source: Example, viewer) -> list[Example]:
    """Entries ``source`` could be merged into, for the form: same country or scope, not
    merged or rejected, in the viewer's scope; by title."""
    qs = Example.objects.exclude(pk=source.pk).exclude(status__in=(Status.MERGED, Status.REJECTED))
    qs = qs.filter(country=source.country, scope=source.scope)
    return [
        example
        for example in qs.select_related("category").order_by("title", "pk")[:CANDIDATE_LIMIT]
        if history.can_moderate_entry(user=viewer, example=example)
    ]


# --- Writing --------------------------------------------------------------------------------


def _check_actor(actor, *examples: Example) -> None:
    if not moderation_permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators can merge entries or undo a merge."))
    for example in examples:
        if not history.can_moderate_entry(user=actor, example=example):
            raise PermissionDenied(
                _("Entry #%(id)s is about %(place)s, outside the countries you moderate.")
                % {"id": example.pk, "place": example.place_name}
            )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is kept in the history and in the moderation log.")}
        )
    return reason


def _lock(*ids: int) -> dict[int, Example]:
    # Always in id order, so two merges of the same pair in opposite directions cannot
    # deadlock: one waits for the other and then finds its entry merged.
    rows = Example.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk")
    return {row.pk: row for row in rows.select_related("category")}


def _target_id(value: Any) -> int:
    text = str(value if value is not None else "").strip().lstrip("#")
    if not text:
        raise ValidationError({"into": _("Choose the entry to merge into.")})
    number = as_id(text)
    if number is None:
        raise ValidationError(
            {"into": _("“%(value)s” is not an entry number.") % {"value": text[:50]}}
        )
    return number


def _published_changed() -> None:
    from .services import _published_set_changed

    _published_set_changed()


def _check_pair(source: Example, target: Example) -> None:
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


def _check_limits(plan: MergePlan) -> None:
    evidence = plan.target_evidence_count + len(plan.new_evidence)
    if evidence > MAX_EVIDENCE:
        raise ValidationError(
            {
                "into": _(
                    "Together the two entries have %(n)s different pieces of evidence; an entry "
                    "holds at most %(limit)s. Remove some first."
                )
                % {"n": evidence, "limit": MAX_EVIDENCE}
            }
        )
    links = plan.target_link_count + len(plan.new_links)
    if links > MAX_PASSAGE_LINKS:
        raise ValidationError(
            {
                "into": _(
                    "Together the two entries link %(n)s passages; an entry links at most "
                    "%(limit)s. Remove some first."
                )
                % {"n": links, "limit": MAX_PASSAGE_LINKS}
            }
        )


def _check_versions(example: Example, expected: int | None) -> None:
    if expected is not None and expected != example.version:
        raise StaleVersion(expected_version=expected, current_version=example.version)


def merge_preview(*, actor, source: Example, target_id: Any) -> MergePlan:
    """What merging ``source`` into entry ``target_id`` would do (the form's comparison
    and the API's ``GET``): the same checks as example_merge, without a reason or
    choices, and nothing written."""
    if not moderation_permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators can merge entries or undo a merge."))
    into = _target_id(target_id)
    if into == source.pk:
        raise ValidationError({"into": _("An entry cannot be merged into itself.")})
    pair = {
        row.pk: row
        for row in Example.objects.filter(pk__in=[source.pk, into]).select_related(
            "category", "author"
        )
    }
    if into not in pair:
        raise ValidationError({"into": _("There is no entry #%(id)s.") % {"id": into}})
    source, target = pair[source.pk], pair[into]
    _check_actor(actor, source, target)
    _check_pair(source, target)
    return _plan(source, target)


def _close_queue_items(*, source: Example, target: Example, actor, reason: str) -> list[int]:
    """Close every open review item about ``source`` as "merged" (one audit row each,
    no notice: the merge sends its own); its flags are resolved as agreed."""
    items = review_items_settle(
        target=source,
        item_types=ReviewItemType.values,
        actor=actor,
        decision=Decision.MERGE,
        reason=reason,
        notify=False,
    )
    for item in items:
        if item.item_type == ReviewItemType.FLAG:
            flags_resolve(item=item, agreed=True)
    return [item.pk for item in items]


def _move_suggestions(suggestions, to_example: Example) -> list[int]:
    ids = [suggestion.pk for suggestion in suggestions]
    # A queryset update: the suggestions are not changed, only where they point.
    SuggestedEdit.objects.filter(pk__in=ids).update(example=to_example)
    review_items_refresh(
        targets=list(SuggestedEdit.objects.filter(pk__in=ids).select_related("example"))
    )
    return ids


def _notify_contributors(*, source: Example, target: Example, actor, reason: str) -> list[int]:
    """Tell everyone credited on ``source`` (not the acting moderator) that it was merged,
    why, and where their credit is now: in the app, and by e-mail after commit."""
    message = _(
        "Merged into #%(id)s “%(title)s”, which now credits you as a contributor. Reason: "
        "%(reason)s"
    ) % {"id": target.pk, "title": target.title, "reason": reason}
    told = []
    for user in contributors.credited_accounts(source):
        if user.pk == actor.pk or user.pk in told:
            continue
        notice_create(
            recipient=user,
            item=None,
            decision=Decision.MERGE,
            reason=message,
            target_label=source.title,
            target_url=target.get_absolute_url(),
        )
        told.append(user.pk)
    return told


@transaction.atomic
def example_merge(
    *,
    actor,
    source: Example,
    target_id: Any,
    reason: str,
    fields: Mapping[str, Any] | None = None,
    source_version: int | None = None,
    target_version: int | None = None,
) -> ExampleMerge:
    """Merge ``source`` (the duplicate) into the entry ``target_id``; see the module
    docstring for what moves. ``fields`` says, for each coded dimension where the two
    differ, which value the target keeps (``"source"`` or ``"target"``; a known value
    beats "unknown" by default). ``source_version``/``target_version``, when given, are
    the versions the moderator compared: a merge over entries changed since raises
    StaleVersion.

    Raises PermissionDenied (not a moderator of both entries' countries) or
    ValidationError (no reason; unknown target; the entry itself; a merged or rejected
    target; an entry already merged; a differing field without a choice, or a malformed
    choice; too much evidence together). Writes one audit row (action ``merge``)."""
    if not moderation_permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators can merge entries or undo a merge."))
    into = _target_id(target_id)
    if into == source.pk:
        raise ValidationError({"into": _("An entry cannot be merged into itself.")})
    locked = _lock(source.pk, into)
    if into not in locked:
        raise ValidationError({"into": _("There is no entry #%(id)s.") % {"id": into}})
    source, target = locked[source.pk], locked[into]
    _check_actor(actor, source, target)
    reason = _require_reason(reason)
    _check_pair(source, target)
    _check_versions(source, source_version)
    _check_versions(target, target_version)
    plan = _plan(source, target)
    chosen = _resolve_choices(plan.fields, fields)
    _check_limits(plan)
    changes = _changes_for(source, target, chosen)
    _check_years(
        {
            name: changes[name][1] if name in changes else getattr(target, name)
            for name in ("start_year", "end_year")
        }
    )

    before = {"source": history.snapshot(source), "target": history.snapshot(target)}
    change = _("Merged #%(id)s “%(title)s” into this entry: %(reason)s") % {
        "id": source.pk,
        "title": source.title,
        "reason": reason,
    }
    kept = [row.label for row in plan.differing if chosen.get(row.key) == SOURCE]
    if kept:
        change += " " + _("Kept from #%(id)s: %(fields)s.") % {
            "id": source.pk,
            "fields": ", ".join(kept),
        }
    # The target's new version first (with the values chosen from the source), then its
    # new rows: the history pages attribute evidence and links written after a version
    # to that version.
    for column, (_before, after) in changes.items():
        setattr(target, column, after)
    if changes:
        target.full_clean()
    target.version += 1
    target._change_reason = change
    target._history_user = actor
    target.save()
    order = (target.evidence.aggregate(top=Max("order"))["top"] or 0) + 1
    for offset, evidence in enumerate(plan.new_evidence):
        copy = Evidence(
            example=target,
            order=order + offset,
            **{name: getattr(evidence, name) for name in history.EVIDENCE_FIELDS},
        )
        copy._history_user = actor
        copy.save()
    for link in plan.new_links:
        copy = PassageLink(
            example=target, passage_id=link.passage_id, relation=link.relation, note=link.note
        )
        copy._history_user = actor
        copy.save()
    comment_ids = sorted(EntryComment.objects.filter(example=source).values_list("pk", flat=True))
    comments_move(from_example=source, to_example=target)

    source_status = source.status
    source.status = Status.MERGED
    source.merged_into = target
    source.version += 1
    source._change_reason = _("Merged into #%(id)s “%(title)s”: %(reason)s") % {
        "id": target.pk,
        "title": target.title,
        "reason": reason,
    }
    source._history_user = actor
    source.save()

    queue_reason = _("Merged into #%(id)s “%(title)s”: %(reason)s") % {
        "id": target.pk,
        "title": target.title,
        "reason": reason,
    }
    declined = []
    for suggestion in plan.suggestions_declined:
        from .services import suggestion_reject

        suggestion_reject(
            actor=actor,
            suggestion=suggestion,
            reason=_(
                "The entry was merged into #%(id)s “%(title)s”; this change would replace that "
                "entry's evidence or passages, so suggest it there again if it still applies. "
                "Reason for the merge: %(reason)s"
            )
            % {"id": target.pk, "title": target.title, "reason": reason},
        )
        declined.append(suggestion.pk)
    moved = _move_suggestions(plan.suggestions_moved, target)
    closed = _close_queue_items(source=source, target=target, actor=actor, reason=queue_reason)

    merge = ExampleMerge(
        source=source,
        target=target,
        reason=reason,
        merged_by=actor,
        source_status=source_status,
        added_evidence=[evidence_key(e) for e in plan.new_evidence],
        added_passages=[link.passage_id for link in plan.new_links],
        moved_comments=comment_ids,
        field_choices=chosen,
        field_changes=changes,
        moved_suggestions=moved,
        declined_suggestions=declined,
        closed_review_items=closed,
    )
    merge.full_clean()
    merge.save()
    credited = contributors.credit_merge(merge=merge)
    told = _notify_contributors(source=source, target=target, actor=actor, reason=reason)
    if {"title", "summary"} & set(changes) or plan.new_evidence:
        search_index_example(example_id=target.pk)
    target = Example.objects.select_related("category").get(pk=target.pk)
    audit_record(
        actor=actor,
        action=AuditAction.MERGE,
        target=source,
        reason=reason,
        before=before,
        after={
            "source": {
                "status": Status.MERGED,
                "merged_into": target.pk,
                "version": source.version,
            },
            "target": history.snapshot(target),
            "merge": merge.pk,
            "fields": {"chosen": chosen, "changed": changes},
            "moved": {
                "evidence": merge.added_evidence,
                "passages": merge.added_passages,
                "comments": merge.moved_comments,
                "suggestions": moved,
            },
            "suggestions_declined": declined,
            "review_items_closed": closed,
            "credited": sorted(row.user_id for row in credited),
            "notified": told,
        },  # fmt: skip
        country=history.entry_country(source) or "",
    )
    if Status.PUBLISHED in (source_status, target.status):
        _published_changed()
    return merge


def _restore_target_values(target: Example, merge: ExampleMerge) -> tuple[dict, list[str]]:
    """Put back the target's own values the merge replaced, except where the target was
    edited again since (that later edit wins). Returns (restored columns, kept columns)."""
    restored, kept = {}, []
    for column, (before, after) in (merge.field_changes or {}).items():
        if _column(target, column) == after:
            setattr(target, column, before)
            restored[column] = before
        else:
            kept.append(column)
    return restored, kept


@transaction.atomic
def example_unmerge(*, actor, merge: ExampleMerge, reason: str) -> ExampleMerge:
    """Undo ``merge``: put back the target's own values (those not edited since), remove
    from the target what the merge added (evidence, links, credit), move the duplicate's
    comments back (with replies posted to their threads since) and its suggested edits
    that are still open, and give the duplicate its status back (a submitted one goes
    back in the review queue as a new item). Nothing decided is re-opened. Raises
    PermissionDenied (as for merging) or ValidationError (no reason; already undone; the
    target was itself merged later, which must be undone first). Writes one audit row
    (action ``unmerge``)."""
    if not moderation_permissions.is_moderator(actor):
        raise PermissionDenied(_("Only moderators can merge entries or undo a merge."))
    merge = ExampleMerge.objects.select_for_update().get(pk=merge.pk)
    locked = _lock(merge.source_id, merge.target_id)
    source, target = locked[merge.source_id], locked[merge.target_id]
    _check_actor(actor, source, target)
    reason = _require_reason(reason)
    if merge.undone_at is not None:
        who = merge.undone_by.get_username() if merge.undone_by_id else _("someone")
        raise ValidationError(
            {"merge": _("This merge was already undone by %(who)s.") % {"who": who}}
        )
    if target.status == Status.MERGED:
        raise ValidationError(
            {
                "merge": _(
                    "Entry #%(id)s was itself merged into #%(next)s after this merge: undo "
                    "that merge first."
                )
                % {"id": target.pk, "next": target.merged_into_id}
            }
        )
    before = {"source": history.snapshot(source), "target": history.snapshot(target)}

    restored, kept = _restore_target_values(target, merge)
    target.version += 1
    target._change_reason = _("Undid the merge of #%(id)s “%(title)s”: %(reason)s") % {
        "id": source.pk,
        "title": source.title,
        "reason": reason,
    }
    target._history_user = actor
    target.save()
    added = {tuple(key) for key in merge.added_evidence}
    for evidence in list(target.evidence.all()):
        if tuple(evidence_key(evidence)) in added:
            evidence._history_user = actor
            evidence.delete()
    for link in list(target.passage_links.filter(passage_id__in=merge.added_passages)):
        link._history_user = actor
        link.delete()
    moved = set(merge.moved_comments)
    replies_since = set(
        EntryComment.objects.filter(example=target, parent_id__in=moved).values_list(
            "pk", flat=True
        )
    )
    EntryComment.objects.filter(pk__in=moved | replies_since).update(example_id=source.pk)
    uncredited = contributors.uncredit_merge(merge=merge)
    suggestions_back = _move_suggestions(
        SuggestedEdit.objects.filter(
            pk__in=merge.moved_suggestions, example=target, status=SuggestionStatus.OPEN
        ),
        source,
    )

    source.status = merge.source_status
    source.merged_into = None
    source.version += 1
    source._change_reason = _("Merge into #%(id)s undone: %(reason)s") % {
        "id": target.pk,
        "reason": reason,
    }
    source._history_user = actor
    source.save()
    if source.status == Status.SUBMITTED:
        from .services import _queue_submission

        _queue_submission(source)

    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.undo_reason = reason
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    if {"title", "summary"} & set(restored) or merge.added_evidence:
        search_index_example(example_id=target.pk)
    source = Example.objects.select_related("category").get(pk=source.pk)
    target = Example.objects.select_related("category").get(pk=target.pk)
    audit_record(
        actor=actor,
        action=AuditAction.UNMERGE,
        target=source,
        reason=reason,
        before=before,
        after={
            "source": history.snapshot(source),
            "target": history.snapshot(target),
            "merge": merge.pk,
            "comments_returned": sorted(moved | replies_since),
            "fields_restored": sorted(restored),
            "fields_kept_edited_since": sorted(kept),
            "credit_removed": uncredited,
            "suggestions_returned": suggestions_back,
        },
        country=history.entry_country(source) or "",
    )
    if Status.PUBLISHED in (source.status, target.status):
        _published_changed()
    return merge
