"""Reads of suggested edits: the queue's list, the open suggestions on an entry that a
viewer may see (each with its difference from the entry now), and one suggestion."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.moderation.history import FieldChange
from apps.moderation.selectors import exclude_shadow_hidden

from ..entries.data import EDITABLE_FIELDS
from ..entries.selectors import examples_visible_to
from ..history.diff import (
    category_maps,
    changes_between,
    evidence_summary,
    field_label,
    links_summary,
    proposed_state,
)
from ..models import Evidence, Example, PassageLink, SuggestedEdit, SuggestionStatus
from ..permissions import can_review_suggestions, is_signed_in


def suggestions_open() -> QuerySet:
    """Every open suggestion, oldest first, with its entry and proposer joined: the
    moderation console lists these as queue items."""
    return (
        SuggestedEdit.objects.filter(status=SuggestionStatus.OPEN)
        .select_related("example", "example__category", "proposer")
        .order_by("created", "pk")
    )


def suggestions_for_example(*, example: Example, viewer) -> list:
    """The open suggestions on ``example`` that ``viewer`` may see: all of them for the
    author and moderators, their own for a proposer, none for anyone else. Each comes
    with ``.diff``: the field-by-field difference from the entry's current values.
    Two queries at most, whatever the number of suggestions."""
    if not is_signed_in(viewer):
        return []
    qs = SuggestedEdit.objects.filter(example=example, status=SuggestionStatus.OPEN)
    if not can_review_suggestions(user=viewer, example=example):
        qs = qs.filter(proposer=viewer)
    qs = exclude_shadow_hidden(qs, viewer=viewer, author_field="proposer")
    suggestions = list(qs.select_related("proposer").order_by("created", "pk"))
    if suggestions:
        categories = category_maps()
        category_ids = {slug: pk for pk, slug in categories[0].items()}
        for suggestion in suggestions:
            after = proposed_state(example, suggestion.changes, category_ids=category_ids)
            suggestion.diff = changes_between(
                example, after, fields=EDITABLE_FIELDS, categories=categories
            ) + _list_changes(example, suggestion.changes)
    return suggestions


def _list_changes(example: Example, changes: Mapping) -> list[FieldChange]:
    """Evidence and linked passages an author's pending edit replaces (stored as lists of
    dicts in the suggestion), in the words the conflict page uses."""
    result = []
    if "evidence" in changes:
        proposed = [
            Evidence(order=i, title=row["title"], url=row["url"], doi=row["doi"])
            for i, row in enumerate(changes["evidence"], start=1)
        ]
        result.append(
            FieldChange(
                field="evidence",
                label=field_label("evidence"),
                before=evidence_summary(example.evidence.all()) or "—",
                after=evidence_summary(proposed) or "—",
            )
        )
    if "passages" in changes:
        proposed = [PassageLink(**row) for row in changes["passages"]]
        result.append(
            FieldChange(
                field="passages",
                label=field_label("passages"),
                before=links_summary(example.passage_links.all()) or "—",
                after=links_summary(proposed) or "—",
            )
        )
    return result


def suggestion_get(*, viewer, suggestion_id: int):
    """One suggestion on an entry the viewer can see, or Http404."""
    try:
        return SuggestedEdit.objects.select_related("example", "proposer").get(
            pk=suggestion_id, example__in=examples_visible_to(viewer=viewer)
        )
    except (SuggestedEdit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such suggestion.")) from exc
