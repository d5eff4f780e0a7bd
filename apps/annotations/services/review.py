"""Annotations and the moderators: hide, restore, approve (pre-moderation), hidden by
flags pending review, and the review items annotations open (awaiting approval,
orphaned) or close (made private)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common import events

from .. import selectors
from ..models import Annotation, Visibility
from .notifications import _notify

logger = logging.getLogger(__name__)


def _check_moderator(user) -> None:
    if not selectors.can_moderate(user):
        raise PermissionDenied(
            _("Only global moderators can act on annotations (they belong to no country).")
            if selectors.is_moderator(user)
            else _("Only moderators can hide or restore annotations.")
        )


@transaction.atomic
def annotation_hide(*, annotation: Annotation, moderator) -> Annotation:
    """Hide from everyone but its author and moderators. History records who and when."""
    _check_moderator(moderator)
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not annotation.hidden:
        annotation.hidden = True
        annotation._history_user = moderator
        annotation.save(update_fields=["hidden", "modified"])
        events.publish("annotation.hidden", annotation_id=annotation.pk)
    return annotation


@transaction.atomic
def annotation_restore(*, annotation: Annotation, moderator) -> Annotation:
    """Undo a hide (moderators). Idempotent."""
    _check_moderator(moderator)
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.hidden:
        annotation.hidden = False
        annotation._history_user = moderator
        annotation.save(update_fields=["hidden", "modified"])
        events.publish("annotation.restored", annotation_id=annotation.pk)
    return annotation


@transaction.atomic
def annotation_approve(*, annotation: Annotation, moderator) -> Annotation:
    """Let a pre-moderated annotation be seen (moderators): it leaves "awaiting approval",
    and the people it replies to or mentions are told now. Idempotent."""
    _check_moderator(moderator)
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.awaiting_approval:
        annotation.awaiting_approval = False
        annotation._history_user = moderator
        annotation.save(update_fields=["awaiting_approval", "modified"])
        events.publish("annotation.approved", annotation_id=annotation.pk)
        _notify(annotation)
    return annotation


@transaction.atomic
def annotation_hide_pending_review(*, annotation: Annotation) -> Annotation:
    """Flags reached the moderation threshold: hide until a moderator decides. System
    action, called only by the moderation app's annotation adapter (which audits it)."""
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not annotation.hidden:
        annotation.hidden = True
        annotation.save(update_fields=["hidden", "modified"])
        events.publish("annotation.hidden", annotation_id=annotation.pk)
    return annotation


def _queue_on_commit(item_type: str, annotation_ids: list[int], summary: str) -> None:
    """Ask for review items once the write commits (``review.requested``, which the
    moderation app's subscriber opens; a failure is logged, never raised: the
    annotation's own state still says it needs a moderator). Private annotations never
    open one: nobody but their author may see them, moderators included (an orphaned
    private note is on its author's orphan list in the reader, and nowhere else)."""
    if not annotation_ids:
        return
    public = Annotation.objects.filter(pk__in=annotation_ids, visibility=Visibility.PUBLIC)
    for annotation_id in public.values_list("pk", flat=True):
        events.publish(
            "review.requested",
            target_type="annotation",
            target_id=annotation_id,
            item_type=item_type,
            summary=summary,
        )


def _queue_pending(annotation: Annotation) -> None:
    _queue_on_commit(
        "pending_annotation",
        [annotation.pk],
        _("%(user)s is under pre-moderation: approve (publish) or reject this annotation.")
        % {"user": annotation.author.get_username()},
    )


def _close_review_items_as_private(annotation: Annotation) -> None:
    """A private note is its author's alone: its open review items (flags, approval,
    orphan repair) close, and the queue and the log keep no copy of its text."""
    from apps.moderation.services import review_items_close_as_private

    review_items_close_as_private(
        target=annotation,
        reason=_(
            "Its author made it private: nobody else can see it, so nothing is left to review."
        ),
    )
