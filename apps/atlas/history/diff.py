"""What changed in an entry, in words a reader follows: the one way the atlas compares
two states of an entry.

A *state* is a history row of Example (``HistoricalExample``), saved or not: a version in
the history tables, the entry as it stands now (``state_of``) or as a suggested edit
would leave it (``proposed_state``). Which fields differ between two states is what
django-simple-history's ``diff_against`` says (``changed_fields``); ``changes_between``
puts them into words (``country`` and ``scope`` read as one place, the category by its
name, choices by their labels). The history page, restore previews, the edit conflict
(page and API), suggested edits, and the merge form's comparison all use it.

Evidence and passage links live in versioned tables of their own; what belonged to a
version (``children_before``) and how a list of them reads (the short ``*_summary`` for
conflicts and suggestions, the full ``*_words`` for the history page and restore
previews) is here too.

Review items keep a JSON snapshot of what the moderator saw (review/snapshot.py) and
are compared by the moderation queue's own snapshot diff: a snapshot is not a history
row, and carries passage excerpts no version holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django_countries import countries

from apps.moderation.history import FieldChange, blank_version
from apps.moderation.history import changed_fields as version_changed_fields
from apps.sources.models import Passage

from ..dimensions import MULTI_VALUED, SINGLE_VALUED, Scope
from ..entries.data import EDITABLE_FIELDS
from ..models import Category, Example, Relation, Status

# What the history page and the conflict page compare: the editable fields and the status.
HISTORY_FIELDS = (*EDITABLE_FIELDS, "status")
# Fields whose value is read from more than one column.
COLUMNS = {"country": ("country", "scope")}
EVIDENCE_FIELDS = (
    "title", "url", "doi", "source_id", "publisher", "published", "accessed", "page", "quote",
)  # fmt: skip
EMPTY = "—"


# --- States -------------------------------------------------------------------------------------


def state_of(example: Example):
    """``example`` as it stands (its loaded values) as an unsaved history row, to compare
    with any version."""
    model = Example.history.model
    return model(**{f.attname: getattr(example, f.attname) for f in model.tracked_fields})


def proposed_state(example: Example, changes: Mapping[str, Any], *, category_ids=None):
    """``example`` with ``changes`` (ExampleData names and values: ``country`` a place
    code, ``category`` a slug; other keys are ignored) applied, as an unsaved history
    row. ``category_ids`` (slug -> id) saves its query."""
    state = state_of(example)
    for name, value in changes.items():
        if name == "country":
            code = str(value or "").upper()
            state.country, state.scope = ("", code) if code in Scope.values else (code, "")
        elif name == "category":
            ids = category_ids
            if ids is None:
                ids = dict(Category.objects.values_list("slug", "pk"))
            state.category_id = ids.get(value)
        elif name in EDITABLE_FIELDS:
            setattr(state, name, list(value) if isinstance(value, (list, tuple)) else value)
    return state


def _as_state(row):
    if isinstance(row, Example.history.model):
        return row
    if isinstance(row, Example):
        return state_of(row)
    return blank_version(Example.history.model)  # the pager's "before the first version"


# --- Fields ---------------------------------------------------------------------------------


def changed_fields(older, newer, *, fields: Sequence[str] = HISTORY_FIELDS) -> list[str]:
    """The names in ``fields`` (editable field names, plus ``status``) whose values differ
    between two states, in the order of ``fields``: simple-history's ``diff_against``
    over their columns (apps/moderation/history.py ``changed_fields``). ``older`` and
    ``newer`` may be history rows or entries; anything else stands for "nothing"."""
    column_to_name = {column: name for name in fields for column in COLUMNS.get(name, (name,))}
    columns = version_changed_fields(_as_state(older), _as_state(newer), list(column_to_name))
    changed = {column_to_name[column] for column in columns}
    return [name for name in fields if name in changed]


def category_maps() -> tuple[dict[int, str], dict[str, str]]:
    """Category id -> slug and slug -> name, in one query."""
    rows = list(Category.objects.values_list("pk", "slug", "name"))
    return {pk: slug for pk, slug, _name in rows}, {slug: name for _pk, slug, name in rows}


def state_value(row, name: str, category_slugs: Mapping[int, str]) -> Any:
    """One field of a state as ExampleData says it (``country`` the place code,
    ``category`` the slug)."""
    if name == "country":
        country = getattr(row, "country", None)
        return getattr(country, "code", country) or getattr(row, "scope", None) or ""
    if name == "category":
        category_id = getattr(row, "category_id", None)
        return category_slugs.get(category_id, "") if category_id else ""
    value = getattr(row, name, None)
    if name in MULTI_VALUED:
        return list(value or [])
    return value


def changes_between(
    older,
    newer,
    *,
    fields: Sequence[str] = HISTORY_FIELDS,
    categories: tuple[Mapping[int, str], Mapping[str, str]] | None = None,
) -> list[FieldChange]:
    """What differs between two states, field by field in the order of ``fields``, in
    words (``categories``: ``category_maps()``, to save its query when comparing many).
    A difference that reads the same on both sides (empty against nothing) is none."""
    slugs, names = categories if categories is not None else category_maps()
    older, newer = _as_state(older), _as_state(newer)
    result = []
    for name in changed_fields(older, newer, fields=fields):
        before = display_value(name, state_value(older, name, slugs), category_names=names)
        after = display_value(name, state_value(newer, name, slugs), category_names=names)
        if before != after:
            result.append(
                FieldChange(field=name, label=field_label(name), before=before, after=after)
            )
    return result


def field_label(name: str) -> str:
    if name == "country":
        return _("Country or scope")
    if name == "evidence":
        return _("Evidence")
    if name == "passages":
        return _("Linked passages")
    return str(Example._meta.get_field(name).verbose_name).capitalize()


def display_value(name: str, value, *, category_names: Mapping[str, str] | None = None) -> str:
    """A stored or proposed value of an editable field, as the entry page would show it."""
    if value in (None, "", [], ()):
        return EMPTY
    if name == "country":
        code = str(value).upper()
        if code in Scope.values:
            return f"{Scope(code).label} ({code})"
        return f"{countries.name(code) or code} ({code})"
    if name == "category":
        return (category_names or {}).get(value, str(value))
    if name == "status":
        return str(Status(value).label) if value in Status.values else str(value)
    if name in SINGLE_VALUED:
        choices = SINGLE_VALUED[name]
        return str(choices(value).label) if value in choices.values else str(value)
    if name in MULTI_VALUED:
        choices = MULTI_VALUED[name]
        return ", ".join(str(choices(v).label) if v in choices.values else str(v) for v in value)
    return str(value)


# --- Evidence and passage links -------------------------------------------------------------------


def children_before(rows: Iterable, moment: datetime.datetime | None) -> dict[int, Any]:
    """Child history rows (evidence or links of one entry, ordered by date) alive just
    before ``moment`` (None: now), by their own id."""
    alive: dict[int, Any] = {}
    for row in rows:
        if moment is not None and row.history_date >= moment:
            break
        if row.history_type == "-":
            alive.pop(row.id, None)
        else:
            alive[row.id] = row
    return alive


def evidence_key(row) -> tuple:
    return tuple(getattr(row, name) for name in EVIDENCE_FIELDS)


def link_key(row) -> tuple:
    return (row.passage_id, row.relation, row.note)


def added_and_removed(before: dict, after: dict, key, words) -> tuple[list[str], list[str]]:
    """Rows of ``after`` not in ``before`` and the reverse (compared by ``key``), in words."""
    old = {key(row): row for row in before.values()}
    new = {key(row): row for row in after.values()}
    added = [words(new[k]) for k in new if k not in old]
    removed = [words(old[k]) for k in old if k not in new]
    return added, removed


def list_change(name: str, before: str, after: str) -> FieldChange | None:
    """A change of the evidence or passage list (already in words), None when equal."""
    if before == after:
        return None
    return FieldChange(
        field=name, label=field_label(name), before=before or EMPTY, after=after or EMPTY
    )


def evidence_summary(rows) -> str:
    """A list of evidence in short (title and address), for conflicts and suggestions."""
    words = []
    for row in sorted(rows, key=lambda r: (r.order, r.pk)):
        address = f"https://doi.org/{row.doi}" if row.doi else row.url
        words.append(f"{row.title} <{address}>" if address else row.title)
    return "; ".join(words)


def links_summary(rows) -> str:
    """A list of passage links in short, for conflicts and suggestions."""
    return "; ".join(
        _("passage %(id)s (%(relation)s)") % {"id": row.passage_id, "relation": row.relation}
        + (f": {row.note}" if row.note else "")
        for row in sorted(rows, key=lambda r: r.passage_id)
    )


def evidence_words(row) -> str:
    """One piece of evidence in full (the history page, restore previews, the audit log)."""
    address = f"https://doi.org/{row.doi}" if row.doi else row.url
    parts = [row.title + (f" <{address}>" if address else "")]
    if row.source_id and not address:
        parts.append(_("hosted source %(id)s") % {"id": row.source_id})
    details = ", ".join(
        str(value)
        for value in (row.publisher, row.published, row.page and f"p. {row.page}")
        if value
    )
    if details:
        parts.append(details)
    if row.quote:
        parts.append(f"“{row.quote}”")
    return " — ".join(parts)


def link_words(row, passages: Mapping[int, Passage]) -> str:
    """One passage link in full: its relation, source, passage and version."""
    passage = passages.get(row.passage_id)
    relation = (
        str(Relation(row.relation).label) if row.relation in Relation.values else row.relation
    )
    where = (
        _("%(source)s, passage %(order)s (version %(version)s)")
        % {
            "source": passage.document.source.title,
            "order": passage.order,
            "version": passage.document.version,
        }
        if passage is not None
        else _("passage %(id)s (no longer exists)") % {"id": row.passage_id}
    )
    return f"{relation}: {where}" + (f" — {row.note}" if row.note else "")


def passages_by_id(ids) -> dict[int, Passage]:
    return {
        p.pk: p for p in Passage.objects.filter(pk__in=set(ids)).select_related("document__source")
    }
