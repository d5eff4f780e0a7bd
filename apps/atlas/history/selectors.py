"""Reading an entry's history: every version, field by field, with its evidence and
passage links; what restoring a version would change; what changed since a version
(the edit conflict). Differences come from history/diff.py.

Who may read an entry's history is apps/atlas/permissions.py's ``can_read_history`` (as
Wikidata does: public for public entries; drafts and other unpublished entries only for
their author and moderators). See docs/moderation.md#history-and-restore.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from apps.moderation.history import FieldChange, HistoryPage, history_page

from ..entries.data import EDITABLE_FIELDS
from ..models import Evidence, Example, PassageLink
from ..permissions import can_read_history
from .diff import (
    HISTORY_FIELDS,
    added_and_removed,
    category_maps,
    changes_between,
    children_before,
    display_value,
    evidence_key,
    evidence_summary,
    evidence_words,
    link_key,
    link_words,
    links_summary,
    list_change,
    passages_by_id,
    state_of,
)


def example_for_history(*, viewer, example_id: int) -> Example:
    """The entry whose history ``viewer`` may read (permissions.can_read_history), or
    Http404."""
    example = (
        Example.objects.select_related("category", "merged_into").filter(pk=example_id).first()
        if str(example_id).isdigit()
        else None
    )
    if example is None or not can_read_history(viewer, example):
        raise Http404(_("No such entry."))
    return example


def _child_rows(model, example_id: int, *, before: datetime.datetime | None = None) -> list:
    rows = model.history.filter(example_id=example_id)
    if before is not None:
        rows = rows.filter(history_date__lt=before)
    return list(rows.order_by("history_date", "history_id"))


def example_history(*, example: Example, page: Any = 1) -> HistoryPage:
    """One page of the entry's versions, newest first. Each version has ``changes``
    (FieldChange per editable field or status that differs from the version before) and
    ``extra`` with ``evidence_added``/``evidence_removed``/``passages_added``/
    ``passages_removed`` (readable descriptions). Evidence and links belong to a version
    when they were written after it and before the next one. A fixed number of queries
    (six), whatever the number of versions."""
    categories = category_maps()

    def diff(older, newer) -> list[FieldChange]:
        return changes_between(older, newer, fields=HISTORY_FIELDS, categories=categories)

    result = history_page(example.history.all(), page=page, diff=diff)
    if not result.versions:
        return result
    upper = result.versions[0].newer_date
    evidence_rows = _child_rows(Evidence, example.pk, before=upper)
    link_rows = _child_rows(PassageLink, example.pk, before=upper)
    passages = passages_by_id(row.passage_id for row in link_rows)
    for version in result.versions:
        evidence_added, evidence_removed = added_and_removed(
            children_before(evidence_rows, version.date),
            children_before(evidence_rows, version.newer_date),
            evidence_key,
            evidence_words,
        )
        passages_added, passages_removed = added_and_removed(
            children_before(link_rows, version.date),
            children_before(link_rows, version.newer_date),
            link_key,
            lambda row: link_words(row, passages),
        )
        version.extra = {
            "evidence_added": evidence_added,
            "evidence_removed": evidence_removed,
            "passages_added": passages_added,
            "passages_removed": passages_removed,
            "status_label": display_value("status", version.row.status),
        }
    return result


def version_for_restore(*, example: Example, history_id: Any):
    """The history row ``history_id`` of ``example``, for the restore page, or a
    ValidationError saying why it cannot be restored (unknown, another entry's)."""
    row = (
        Example.history.select_related("history_user").filter(history_id=history_id).first()
        if str(history_id).isdigit()
        else None
    )
    if row is None:
        raise ValidationError({"version": _("There is no such version.")})
    if row.id != example.pk:
        raise ValidationError(
            {
                "version": _(
                    "This version belongs to another entry (#%(other)s), not to #%(this)s. "
                    "Nothing was changed."
                )
                % {"other": row.id, "this": example.pk}
            }
        )
    if row.history_type == "-":
        raise ValidationError({"version": _("That version records a deletion: choose another.")})
    return row


def next_version(row):
    """The history row that replaced ``row`` (None for the current version)."""
    return (
        Example.history.filter(id=row.id)
        .filter(history_date__gt=row.history_date)
        .order_by("history_date", "history_id")
        .first()
    )


def children_as_of(row) -> tuple[list, list]:
    """The evidence and passage-link history rows that belonged to history row ``row``."""
    following = next_version(row)
    moment = following.history_date if following is not None else None
    evidence = children_before(_child_rows(Evidence, row.id), moment)
    links = children_before(_child_rows(PassageLink, row.id), moment)
    return (
        sorted(evidence.values(), key=lambda r: (r.order, r.id)),
        sorted(links.values(), key=lambda r: r.id),
    )


def restore_preview(*, example: Example, row) -> list[FieldChange]:
    """What restoring ``row`` would change in the entry now (fields, evidence, links)."""
    changes = changes_between(example, row, fields=EDITABLE_FIELDS)
    old_evidence, old_links = children_as_of(row)
    current_links = list(example.passage_links.all())
    passages = passages_by_id(
        [r.passage_id for r in old_links] + [link.passage_id for link in current_links]
    )
    for name, current, restored in (
        (
            "evidence",
            [evidence_words(r) for r in example.evidence.all()],
            [evidence_words(r) for r in old_evidence],
        ),
        (
            "passages",
            [link_words(r, passages) for r in current_links],
            [link_words(r, passages) for r in old_links],
        ),
    ):
        change = list_change(name, "; ".join(current), "; ".join(restored))
        if change is not None:
            changes.append(change)
    return changes


def example_changes_since(*, example: Example, version: int) -> list[FieldChange]:
    """What changed in ``example`` since its ``version`` (from the history tables): the
    editable fields, the status, the evidence and the linked passages. Empty when that
    version is unknown (e.g. older than the history) or is the current one."""
    if version == example.version:
        return []
    history = example.history.order_by("history_date", "history_id")
    old = history.filter(version=version).last()
    if old is None:
        return []
    current = Example.objects.get(pk=example.pk)
    changes = changes_between(old, state_of(current), fields=HISTORY_FIELDS)
    # Children of version N were written after it and before the next version was saved.
    following = history.filter(history_date__gt=old.history_date, version__gt=version).first()
    if following is not None:
        moment = following.history_date
        old_evidence = children_before(_child_rows(Evidence, example.pk), moment).values()
        old_links = children_before(_child_rows(PassageLink, example.pk), moment).values()
        for change in (
            list_change(
                "evidence",
                evidence_summary(old_evidence),
                evidence_summary(current.evidence.all()),
            ),
            list_change(
                "passages", links_summary(old_links), links_summary(current.passage_links.all())
            ),
        ):
            if change is not None:
                changes.append(change)
    return changes
