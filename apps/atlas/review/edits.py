"""The edit form's and the API's way in: an edit is applied at once (entries/services.py
``example_update``), or, when its author's edits to a published entry wait for a
moderator (permissions.needs_review: not yet trusted), validated the same way and kept
as the author's own suggested edit, which only moderators decide (docs/moderation.md,
"Pre-moderation")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ..entries.data import (
    EvidenceData,
    PassageLinkData,
    current_evidence_json,
    current_links_json,
    evidence_to_json,
    link_to_json,
)
from ..entries.services import check_similar, check_version, example_update
from ..entries.validation import Errors, clean_evidence, clean_passage_links
from ..models import Example, SuggestedEdit
from ..permissions import can_edit, needs_review
from ..suggestions.services import clean_suggestion, no_change_error
from .queue import queue_suggestion


@dataclass(frozen=True)
class EditOutcome:
    """What became of an edit: applied (``suggestion`` None) or waiting for a moderator."""

    example: Example
    suggestion: SuggestedEdit | None = None

    @property
    def awaits_review(self) -> bool:
        return self.suggestion is not None


@transaction.atomic
def example_edit(
    *,
    actor,
    example: Example,
    changes: Mapping[str, Any] | None = None,
    evidence: Sequence[EvidenceData] | None = None,
    passages: Sequence[PassageLinkData] | None = None,
    expected_version: int | None = None,
    confirm_distinct: bool = False,
) -> EditOutcome:
    """The entry point of the edit form and the API: apply the edit (example_update), or,
    when ``needs_review`` holds, validate it the same way and store it as the author's
    own suggested edit for moderators to accept (evidence and passage lists included).
    Raises what example_update raises (PermissionDenied, StaleVersion, ValidationError),
    and SimilarEntries when the edit moves the title or place close to another entry
    (unless ``confirm_distinct``); nothing is stored then."""
    locked = Example.objects.select_for_update().select_related("category").get(pk=example.pk)
    if expected_version is None or expected_version == locked.version:
        # (A stale edit is refused first, with what changed.)
        _check_similar_on_edit(
            actor=actor, example=locked, changes=changes or {}, confirm_distinct=confirm_distinct
        )
    if not needs_review(user=actor, example=locked):
        return EditOutcome(
            example=example_update(
                actor=actor,
                example=locked,
                changes=changes,
                evidence=evidence,
                passages=passages,
                expected_version=expected_version,
            )
        )
    check_version(locked, expected_version)
    kept, _comment = clean_suggestion(example=locked, changes=changes or {}, comment="")
    errors = Errors()
    if evidence is not None:
        clean_evidence(evidence, errors)
    if passages is not None:
        clean_passage_links(passages, actor, errors)
    errors.raise_if_any()
    if evidence is not None:
        proposed = [evidence_to_json(item) for item in evidence]
        if proposed != current_evidence_json(locked):
            kept["evidence"] = proposed
    if passages is not None:
        proposed = [link_to_json(item) for item in passages]
        if proposed != current_links_json(locked):
            kept["passages"] = proposed
    if not kept:
        raise no_change_error()
    suggestion = SuggestedEdit(
        example=locked,
        proposer=actor,
        changes=kept,
        comment=_("Edit by the author of this published entry."),
        base_version=locked.version,
    )
    suggestion.full_clean()
    suggestion.save()
    queue_suggestion(
        suggestion,
        _("The author (not yet trusted) edited this published entry: %(fields)s.")
        % {"fields": ", ".join(kept)},
    )
    return EditOutcome(example=locked, suggestion=suggestion)


def _check_similar_on_edit(
    *, actor, example: Example, changes: Mapping[str, Any], confirm_distinct: bool
) -> None:
    """An edit that changes the title or the place meets the same duplicate check as a new
    entry (the other entries only). Only for someone who may edit the entry (anyone else
    is refused by example_update, and learns nothing about other entries)."""
    if not can_edit(user=actor, example=example):
        return  # example_update refuses with PermissionDenied
    title = " ".join(str(changes.get("title", example.title) or "").split())
    place = str(changes.get("country", example.place_code) or "").strip().upper()
    if (title, place) == (example.title, example.place_code):
        return
    check_similar(
        viewer=actor,
        title=title,
        place=place,
        exclude_id=example.pk,
        confirm_distinct=confirm_distinct,
    )
