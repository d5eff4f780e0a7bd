"""Giving back a deleted annotation (moderators), which of its fields its history page
compares, and who may read which of its versions. Reading the history goes through
apps/moderation/history.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common import events
from apps.moderation import permissions as moderation_permissions
from apps.moderation.history_views import HistoryType
from apps.moderation.models import AuditAction
from apps.moderation.services import audit_record

from .models import Annotation, Visibility

HISTORY_FIELDS = (
    "body", "tags", "motivation", "visibility", "hidden", "deleted_at", "exact", "document",
    "passage", "start", "end",
)  # fmt: skip


def history_visible_to(*, viewer, annotation: Annotation) -> QuerySet:
    """The versions of ``annotation`` that ``viewer`` may read on its history page.

    Its author reads every version. A private annotation is its author's alone: to anyone
    else, moderators and admins included, it does not exist (Http404), even if it was
    public once. Of a public annotation, moderators read the versions saved while it was
    public (what it said while private stays its author's); anyone else is refused
    (PermissionDenied: the history pages are a moderators' tool)."""
    if viewer is not None and viewer.is_authenticated and annotation.author_id == viewer.pk:
        return annotation.history.all()
    if annotation.visibility != Visibility.PUBLIC:
        raise Http404(_("No such annotation."))
    if not moderation_permissions.is_moderator(viewer):
        raise PermissionDenied(_("Only moderators can read these histories."))
    return annotation.history.filter(visibility=Visibility.PUBLIC)


def can_restore_deleted(user) -> bool:
    """Annotations have no country: global moderators (and admins) give them back."""
    return moderation_permissions.can_moderate_country(user, None)


@transaction.atomic
def annotation_restore_deleted(*, actor, annotation: Annotation, reason: str) -> Annotation:
    """Undo the soft deletion of ``annotation``. Global moderators only
    (PermissionDenied); a reason is required and the annotation must be deleted
    (ValidationError); nothing changes when it raises. The history records a new
    version with the reason; the audit log one ``restore`` row."""
    if not can_restore_deleted(actor):
        raise PermissionDenied(_("Only global moderators can restore deleted annotations."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is kept in the history and in the moderation log.")}
        )
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.deleted_at is None:
        raise ValidationError({"annotation": _("This annotation is not deleted.")})
    before = {"deleted_at": annotation.deleted_at}
    annotation.deleted_at = None
    annotation._history_user = actor
    annotation._change_reason = _("Restored by a moderator: %(reason)s") % {"reason": reason}
    annotation.save(update_fields=["deleted_at", "modified"])
    audit_record(
        actor=actor,
        action=AuditAction.RESTORE,
        target=annotation,
        reason=reason,
        before=before,
        after={"deleted_at": None},
    )
    # What a new note gets: its search row (dropped at deletion) written again, its tags
    # counted, open readers told (subscribers.py).
    events.publish("annotation.updated", annotation_id=annotation.pk)
    return annotation


#: The moderators' history page of an annotation (``/moderation/history/annotation/<id>/``),
#: with "Restore deleted": registered with moderation in AnnotationsConfig.ready().
ANNOTATION_HISTORY = HistoryType(
    model=Annotation,
    label=gettext_lazy("annotation"),
    fields=HISTORY_FIELDS,
    restore_deleted=lambda actor, obj, reason: annotation_restore_deleted(
        actor=actor, annotation=obj, reason=reason
    ),
    can_restore_deleted=can_restore_deleted,
    readable_history=lambda viewer, obj: history_visible_to(viewer=viewer, annotation=obj),
)
