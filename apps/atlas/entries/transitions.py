"""An entry's life: draft → submitted → published, changes requested or rejected;
published ⇄ archived. ``example_transition`` is the one door, for the entry page, the
API and the moderation console; who may make which change is
permissions.TRANSITIONS."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import events

from .. import extensions
from ..aggregates.services import published_set_changed
from ..models import Example, Status
from ..permissions import (
    MODERATOR,
    TRANSITIONS,
    can_transition,
    is_author,
    moderation_denied_message,
    skips_premoderation,
)
from ..review.queue import after_first_publication, queue_submission, settle_review_items
from .services import check_version

REASON_REQUIRED = {Status.CHANGES_REQUESTED, Status.REJECTED, Status.ARCHIVED}


# A moderator's status change on the entry page settles the entry's open queue item as
# the same decision would (so the queue never lists what was already decided).
SETTLES_AS = {
    (Status.SUBMITTED, Status.PUBLISHED): "publish",
    (Status.SUBMITTED, Status.CHANGES_REQUESTED): "request_changes",
    (Status.SUBMITTED, Status.REJECTED): "reject",
}


@transaction.atomic
def example_transition(
    *,
    actor,
    example: Example,
    to: str,
    reason: str = "",
    settle_queue: bool = True,
    expected_version: int | None = None,
    hold_for_review: bool = False,
) -> Example:
    """Move an example through its life: draft → submitted → published, changes requested
    or rejected; published → archived (and back). The moderation console calls this too.

    Authors submit and withdraw their own entries; moderators of the entry's country
    (apps.moderation roles: global moderators, moderators scoped to that country, admins)
    publish, request changes, reject and archive, and must give a reason for the last
    three. A moderator outside their scope gets PermissionDenied saying so. Raises
    ValidationError for a change that does not exist, PermissionDenied for one the actor
    may not make; nothing is stored.

    Pre-moderation: a trusted author who submits publishes at once; an author who is not
    trusted puts the entry in the review queue (``submitted_entry``, on commit). The
    first publication counts towards the author's automatic trust. A moderator's
    decision here closes the entry's open ``submitted_entry`` item (the author is told,
    as from the queue); the queue's own adapter passes ``settle_queue=False``.

    ``expected_version`` (the version the entry page or API client showed): a stale one
    raises StaleVersion, so a moderator never publishes a version they did not see.
    ``hold_for_review`` keeps a trusted author's submission in the queue (imports: rows
    the importer may not publish are reviewed like any other)."""
    example = Example.objects.select_for_update().get(pk=example.pk)
    if to not in Status.values:
        raise ValidationError(
            {
                "to": _("Unknown status “%(to)s”. Choose from: %(choices)s.")
                % {"to": to, "choices": ", ".join(Status.values)}
            }  # fmt: skip
        )
    who = TRANSITIONS.get((example.status, to))
    if who is None:
        raise ValidationError(
            {
                "to": _("An entry cannot go from “%(current)s” to “%(to)s”.")
                % {"current": example.get_status_display(), "to": Status(to).label}
            }
        )
    if not can_transition(user=actor, example=example, to=to):
        raise PermissionDenied(
            moderation_denied_message(
                actor,
                example,
                _("You may not change this entry from “%(current)s” to “%(to)s”.")
                % {"current": example.get_status_display(), "to": Status(to).label},
            )
        )
    check_version(example, expected_version)
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Give a reason: the author will read it.")})
    if to == Status.SUBMITTED and not example.evidence.exists():
        raise ValidationError({"evidence": _("Add at least one piece of evidence first.")})
    if (
        to == Status.SUBMITTED
        and not hold_for_review
        and is_author(actor, example)
        and skips_premoderation(actor)
    ):
        to = Status.PUBLISHED
    was_published = example.status == Status.PUBLISHED
    previous = example.status
    first_publication = to == Status.PUBLISHED and example.published_at is None
    example.status = to
    example.status_reason = reason
    if first_publication:
        example.published_at = timezone.now()
    example.version += 1
    example._change_reason = reason or f"status: {to}"
    if to == Status.PUBLISHED:
        extensions.check_publishable(example)  # e.g. required value citations (ADR 0011)
    example.save()
    if was_published or to == Status.PUBLISHED:
        published_set_changed()
    if first_publication:
        after_first_publication(example)
    if to == Status.SUBMITTED:
        queue_submission(example)
    events.publish("entry.status_changed", example_id=example.pk, status=to)
    if to == Status.PUBLISHED:
        events.publish("entry.published", example_id=example.pk)
    decision = SETTLES_AS.get((previous, to))
    if settle_queue and decision and who == MODERATOR:
        settle_review_items(
            example, item_types=["submitted_entry"], actor=actor, decision=decision, reason=reason
        )
    return example


@transaction.atomic
def example_hide_pending_review(*, example: Example, reason: str) -> Example:
    """Flags on a published entry reached the moderation threshold: archive it (off the
    map and lists) until a moderator decides. System action, called only by the
    moderation app's entry adapter (which audits it); no-op unless published."""
    example = Example.objects.select_for_update().get(pk=example.pk)
    if example.status != Status.PUBLISHED:
        return example
    example.status = Status.ARCHIVED
    example.status_reason = reason
    example.version += 1
    example._change_reason = reason
    example.save()
    published_set_changed()
    return example
