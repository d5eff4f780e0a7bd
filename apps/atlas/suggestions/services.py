"""Writes for suggested edits: anyone signed in proposes new values for an entry someone
else wrote; its author or a moderator accepts (applied through example_update, so the
same permission, validation and version checks hold) or declines with a reason. Who
may do what: apps/atlas/permissions.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import contributors
from ..entries.data import (
    EXAMPLE_FIELDS,
    EXAMPLE_FIELDS_ORDER,
    ExampleData,
    PassageLinkData,
    evidence_from_json,
)
from ..entries.selectors import example_get
from ..entries.services import example_update
from ..entries.validation import Errors, clean_example
from ..history.diff import changed_fields, proposed_state
from ..models import COMMENT_MAX_LENGTH, ContributorRole, Example, SuggestedEdit, SuggestionStatus
from ..permissions import (
    can_decide_suggestion,
    can_suggest,
    is_author,
    needs_review,
    require_signed_in,
)
from ..review.queue import queue_suggestion, settle_suggestion


def clean_suggestion(
    *, example: Example, changes: Mapping[str, Any], comment: str
) -> tuple[dict[str, Any], str]:
    """The changed ExampleData fields (cleaned) and the comment, or ValidationError."""
    changes = dict(changes or {})
    unknown = sorted(set(changes) - EXAMPLE_FIELDS)
    if unknown:
        raise ValidationError(
            {
                name: _("“%(name)s” is not a field you can change.") % {"name": name}
                for name in unknown
            }
        )
    current = ExampleData.from_example(example)
    proposed = replace(current, **changes)
    errors = Errors()
    values = clean_example(proposed, errors)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        errors.add(
            "comment",
            _("The comment is %(length)s characters long; the limit is %(limit)s.")
            % {"length": len(comment), "limit": COMMENT_MAX_LENGTH},
        )
    errors.raise_if_any()
    # Compare cleaned values, so "  Title " against "Title" is no change.
    cleaned = {name: values[name] for name in EXAMPLE_FIELDS if name not in ("country", "category")}
    cleaned["country"] = (values["country"] or values["scope"]).upper()
    cleaned["category"] = values["category"].slug
    after = proposed_state(
        example, cleaned, category_ids={cleaned["category"]: values["category"].pk}
    )
    changed = changed_fields(example, after, fields=EXAMPLE_FIELDS_ORDER)
    kept = {
        name: cleaned[name] for name in EXAMPLE_FIELDS_ORDER if name in changes and name in changed
    }
    return kept, comment


def no_change_error() -> ValidationError:
    return ValidationError(
        {"changes": _("Change at least one field: these values are the entry's current ones.")}
    )


@transaction.atomic
def suggestion_create(
    *, proposer, example: Example, changes: Mapping[str, Any], comment: str = ""
) -> SuggestedEdit:
    """Propose new values for some editable fields (ExampleData field names) of an entry
    someone else wrote. Only fields that differ from the entry's current values are kept;
    at least one must, and every value must pass the same validation as an edit.

    Any signed-in user who can see the entry and is not its author may suggest, while
    the entry is open (not rejected or archived). The suggestion enters the moderation
    queue (``suggested_edit``, on commit). Raises PermissionDenied, Http404 (an entry the
    proposer cannot see) or ValidationError; nothing is stored then."""
    require_signed_in(proposer)
    example = example_get(viewer=proposer, example_id=example.pk)
    if is_author(proposer, example):
        raise PermissionDenied(_("You wrote this entry: edit it directly."))
    if not can_suggest(user=proposer, example=example):
        raise PermissionDenied(_("This entry is closed: it takes no suggestions."))
    kept, comment = clean_suggestion(example=example, changes=changes, comment=comment)
    if not kept:
        raise no_change_error()
    suggestion = SuggestedEdit(
        example=example,
        proposer=proposer,
        changes=kept,
        comment=comment,
        base_version=example.version,
    )
    suggestion.full_clean()
    suggestion.save()
    queue_suggestion(
        suggestion,
        _("%(user)s suggests changing %(fields)s.")
        % {"user": proposer.get_username(), "fields": ", ".join(kept)},
    )
    return suggestion


def _open_suggestion_for_decision(actor, suggestion: SuggestedEdit) -> SuggestedEdit:
    suggestion = (
        SuggestedEdit.objects.select_for_update().select_related("example").get(pk=suggestion.pk)
    )
    if not can_decide_suggestion(user=actor, suggestion=suggestion):
        raise PermissionDenied(_("Only the entry's author and moderators decide on suggestions."))
    if suggestion.status != SuggestionStatus.OPEN:
        # Two people deciding at once: the row lock makes one win; the other is told.
        raise ValidationError(
            {
                "status": _("This suggestion was already %(status)s.")
                % {"status": suggestion.get_status_display().lower()}
            }
        )
    return suggestion


@transaction.atomic
def suggestion_accept(
    *,
    actor,
    suggestion: SuggestedEdit,
    expected_version: int | None = None,
    settle_queue: bool = True,
) -> SuggestedEdit:
    """Apply an open suggestion to its entry through example_update (so the same
    permission, validation and version check hold: ``expected_version`` is the entry
    version the decider was shown, by default the one the suggestion was made on, so
    an entry that moved since is never changed unseen) and record who accepted it and
    the resulting version.
    An author who is not yet trusted cannot accept suggestions to their published entry
    (it would go live unreviewed): moderators do. The suggestion's queue item is closed
    as published (the queue's adapter passes ``settle_queue=False``). Raises
    PermissionDenied, StaleVersion or ValidationError; then nothing changes."""
    suggestion = _open_suggestion_for_decision(actor, suggestion)
    if needs_review(user=actor, example=suggestion.example):
        raise PermissionDenied(
            _(
                "Changes to a published entry by a contributor who is not yet trusted are "
                "accepted by moderators. Decline it, or leave it for a moderator."
            )
        )
    proposer = suggestion.proposer.public_name if suggestion.proposer_id else _("a former user")
    changes = dict(suggestion.changes)
    evidence = changes.pop("evidence", None)
    passages = changes.pop("passages", None)
    example = example_update(
        actor=actor,
        example=suggestion.example,
        changes=changes,
        evidence=[evidence_from_json(item) for item in evidence] if evidence is not None else None,
        passages=[PassageLinkData(**item) for item in passages] if passages is not None else None,
        expected_version=(
            suggestion.base_version if expected_version is None else expected_version
        ),
        change_reason=_("Suggestion %(id)s by %(name)s accepted")
        % {"id": suggestion.pk, "name": proposer},
    )
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.applied_version = example.version
    suggestion.save()
    contributors.contributor_credit(
        example=example, user=suggestion.proposer, role=ContributorRole.EDITOR
    )
    if settle_queue:
        settle_suggestion(suggestion, actor=actor, decision="publish", reason="")
    return suggestion


@transaction.atomic
def suggestion_reject(
    *, actor, suggestion: SuggestedEdit, reason: str, settle_queue: bool = True
) -> SuggestedEdit:
    """Decline an open suggestion with a reason the proposer will read. The entry is not
    touched. Raises PermissionDenied or ValidationError (nothing changes)."""
    suggestion = _open_suggestion_for_decision(actor, suggestion)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: the person who suggested it will read it.")}
        )
    if len(reason) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("The reason is longer than %(limit)s characters.")
                % {"limit": COMMENT_MAX_LENGTH}
            }
        )
    suggestion.status = SuggestionStatus.REJECTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.reason = reason
    suggestion.save()
    if settle_queue:
        settle_suggestion(suggestion, actor=actor, decision="reject", reason=reason)
    return suggestion
