"""Reading version histories (django-simple-history tables) page by page, with a
field-by-field difference between each version and the one before it.

Generic: entries, annotations and sources all use it; each caller says which fields
matter and may bring its own way of comparing two versions (the atlas adds evidence and
passage links, which live in tables of their own). Who may read which history is the
caller's business (selectors of the owning app decide visibility).

A page costs a fixed number of queries whatever the number of versions: one to count,
one for the window of rows (the page, plus the version just older than its last row,
which the last row is compared with, plus the one just newer than its first, which tells
when the first row's version stopped being current).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

HISTORY_PAGE_SIZE = 20
EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two versions, as a reader would see it."""

    field: str
    label: str
    before: str
    after: str


@dataclass
class Version:
    """One row of a history: who, when, why, and what changed since the version before.

    ``newer_date`` is when the next version replaced this one (None for the current
    version): the atlas uses it to know which evidence belonged to this version."""

    row: Any
    changes: list[FieldChange] = field(default_factory=list)
    newer_date: datetime.datetime | None = None
    is_first: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def user(self):
        return getattr(self.row, "history_user", None)

    @property
    def date(self) -> datetime.datetime:
        return self.row.history_date

    @property
    def reason(self) -> str:
        return self.row.history_change_reason or ""

    @property
    def history_id(self) -> int:
        return self.row.history_id

    @property
    def kind(self) -> str:
        """created, changed or deleted (simple-history's +, ~, -)."""
        return {"+": "created", "~": "changed", "-": "deleted"}.get(
            self.row.history_type, "changed"
        )


@dataclass
class HistoryPage:
    """A page of versions, newest first, with what a paginator template needs."""

    versions: list[Version]
    number: int
    num_pages: int
    total: int

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def paginator(self) -> HistoryPage:
        # templates/common/_pagination.html reads page.paginator.num_pages.
        return self

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def display(model: type[models.Model], name: str, value: Any) -> str:
    """A stored value as a reader would read it: choice labels, lists joined, dates as
    ISO, empty as a dash."""
    if value in (None, "", [], (), {}):
        return EMPTY
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a computed or renamed field: show the raw value
        model_field = None
    if model_field is not None and model_field.choices:
        labels = dict(model_field.flatchoices)
        if isinstance(value, (list, tuple)):
            return ", ".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or EMPTY
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except Exception:  # noqa: BLE001
        return name.replace("_", " ").capitalize()


def blank_version(model: type[models.Model]):
    """An unsaved row of the history model ``model`` with every tracked field empty: what
    the first version is compared with."""
    row = model()
    for model_field in model.tracked_fields:
        setattr(row, model_field.attname, None)
    return row


def changed_fields(older, newer, fields: Sequence[str]) -> list[str]:
    """The names in ``fields`` whose values differ between two history rows of one model
    (saved or not), in the order of ``fields``: django-simple-history's
    ``diff_against`` (a foreign key compared by its id). An ``older`` that is no such row
    (the pager's stand-in for "before the first version") is a blank one. The one diff
    engine of the site's version histories (the atlas words its own fields on top of it,
    apps/atlas/history/diff.py)."""
    if not isinstance(older, type(newer)):
        older = blank_version(type(newer))
    changed = set(newer.diff_against(older, included_fields=list(fields)).changed_fields)
    return [name for name in fields if name in changed]


def field_changes(
    model: type[models.Model], older, newer, fields: Sequence[str]
) -> list[FieldChange]:
    """Differences between two history rows over ``fields`` (``changed_fields``), in
    words; a difference that reads the same on both sides (empty against nothing) is
    none."""
    changes = []
    for name in changed_fields(older, newer, fields):
        attribute = model._meta.get_field(name).attname
        before = display(model, name, getattr(older, attribute, None))
        after = display(model, name, getattr(newer, attribute, None))
        if before != after:
            changes.append(
                FieldChange(field=name, label=label(model, name), before=before, after=after)
            )
    return changes


def history_page(
    history: QuerySet,
    *,
    page: Any = 1,
    page_size: int = HISTORY_PAGE_SIZE,
    diff: Callable[[Any, Any], list[FieldChange]] | None = None,
    fields: Iterable[str] = (),
) -> HistoryPage:
    """One page of ``history`` (an object's ``.history`` queryset), newest first, each
    version compared with the one before it (by ``diff(older, newer)``, or by
    field_changes over ``fields``). The first version ever is compared with nothing:
    its ``changes`` list every field it set. An out-of-range or malformed ``page`` gives
    the nearest page. Two queries."""
    model = history.model.instance_type
    fields = tuple(fields)
    compare = diff or (lambda older, newer: field_changes(model, older, newer, fields))
    ordered = history.select_related("history_user").order_by("-history_date", "-history_id")
    total = ordered.count()
    num_pages = max(1, -(-total // page_size))
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    number = min(max(number, 1), num_pages)
    start = (number - 1) * page_size
    window_start = max(start - 1, 0)
    window = list(ordered[window_start : start + page_size + 1])
    newer_row = window[0] if start > 0 and window else None
    rows = window[1:] if start > 0 else window
    page_rows, older_row = rows[:page_size], (rows[page_size] if len(rows) > page_size else None)
    versions = []
    for index, row in enumerate(page_rows):
        previous = page_rows[index + 1] if index + 1 < len(page_rows) else older_row
        newer = page_rows[index - 1] if index > 0 else newer_row
        version = Version(row=row, newer_date=newer.history_date if newer is not None else None)
        if previous is None:
            version.is_first = True
            version.changes = compare(_Blank(), row)
        else:
            version.changes = compare(previous, row)
        versions.append(version)
    return HistoryPage(versions=versions, number=number, num_pages=num_pages, total=total)


class _Blank:
    """Stands for "nothing" before the first version: every attribute is empty."""

    def __getattr__(self, name: str) -> Any:
        return None
