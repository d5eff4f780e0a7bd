"""Writes for the discussion under an entry: comments and one-level replies (sanitised
Markdown), soft delete, hiding by moderators, giving back deleted comments, and moving a
thread when moderators merge duplicates. Who may do what: apps/atlas/permissions.py."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.mentions import mention_links
from apps.common import http_cache
from apps.common.markdown import mentioned_usernames, render_markdown
from apps.common.throttles import check_write_rate
from apps.moderation.models import AuditAction
from apps.moderation.services import audit_record
from apps.moderation.standing import standing
from apps.notifications.models import NotificationKind
from apps.notifications.services import excerpt, notification_create

from ..entries.selectors import example_get
from ..entries.validation import Errors, require_reason
from ..models import ENTRY_COMMENT_MAX_LENGTH, EntryComment, Example
from ..permissions import (
    can_comment,
    can_delete_comment,
    can_moderate_discussion,
    example_country,
    moderation_denied_message,
    require_moderator_of,
)
from .selectors import comment_visible


@transaction.atomic
def comment_create(
    *, author, example: Example, body: str, parent_id: int | None = None
) -> EntryComment:
    """Post a comment (or, with ``parent_id``, a reply) under an entry the author can see.
    A reply to a reply joins the thread of its first comment. The body is Markdown,
    stored with its sanitised HTML. Throttled per user (apps/common/throttles.py, kind
    "comment": RateLimited). Raises PermissionDenied, Http404 (an entry the author cannot
    see) or ValidationError; nothing is stored then."""
    if not can_comment(user=author, example=example):
        raise PermissionDenied(_("Sign in to contribute to the atlas."))
    example = example_get(viewer=author, example_id=example.pk)
    body = (body or "").strip()
    errors = Errors()
    if not body:
        errors.add("body", _("Write a comment first."))
    elif len(body) > ENTRY_COMMENT_MAX_LENGTH:
        errors.add(
            "body",
            _("The comment is %(length)s characters long; the limit is %(limit)s.")
            % {"length": f"{len(body):,}", "limit": f"{ENTRY_COMMENT_MAX_LENGTH:,}"},
        )
    parent = None
    if parent_id is not None:
        parent = EntryComment.objects.filter(pk=parent_id, example=example).first()
        if parent is not None and parent.is_deleted:
            errors.add("parent", _("The comment you reply to was deleted."))
        elif parent is None or not comment_visible(viewer=author, comment=parent):
            errors.add("parent", _("The comment you reply to does not exist on this entry."))
        elif parent.parent_id:
            parent = EntryComment.objects.get(pk=parent.parent_id)
    errors.raise_if_any()
    check_write_rate(kind="comment", user=author, ip=None)
    comment = EntryComment(
        example=example,
        author=author,
        parent=parent,
        body=body,
        body_html=render_markdown(body, mention_url=mention_links(body)),
    )
    comment.full_clean()
    comment.save()
    _notify(comment, example=example)
    return comment


def _notify(comment: EntryComment, *, example: Example) -> None:
    """Tell the thread's first author about a reply and mentioned users about a mention,
    once per person per comment, as annotations do; never the author, never a shadow-
    hidden author's readers, never someone who cannot see the entry (a mention on a
    draft reaches nobody but its author and moderators: the inbox checks)."""
    recipients: dict[int, tuple[object, str]] = {}
    if comment.parent_id and comment.parent.author is not None:
        recipients[comment.parent.author_id] = (comment.parent.author, NotificationKind.REPLY)
    usernames = mentioned_usernames(comment.body)
    if usernames:
        for user in get_user_model().objects.filter(username__in=usernames, is_active=True):
            recipients.setdefault(user.pk, (user, NotificationKind.MENTION))
    recipients.pop(comment.author_id, None)
    if not recipients or standing(comment.author).shadow_hidden:
        return
    for recipient, kind in recipients.values():
        notification_create(
            recipient=recipient,
            kind=kind,
            actor=comment.author,
            subject=comment,
            target_label=example.title,
            target_url=f"{example.get_absolute_url()}#{comment.html_id}",
            text=excerpt(comment.body),
        )


@transaction.atomic
def comment_delete(*, actor, comment: EntryComment) -> EntryComment:
    """Soft-delete a comment: its author or a moderator. The text is kept for moderators
    (and a restore); readers see "[deleted]" while it has replies, nothing otherwise."""
    comment = EntryComment.objects.select_for_update().get(pk=comment.pk)
    if not can_delete_comment(user=actor, comment=comment):
        raise PermissionDenied(
            moderation_denied_message(
                actor, comment.example, _("Only its author or a moderator may delete this comment.")
            )
        )
    if comment.deleted_at is None:
        comment.deleted_at = timezone.now()
        comment.deleted_by = actor
        comment.save(update_fields=["deleted_at", "deleted_by", "modified"])
    return comment


@transaction.atomic
def comment_set_hidden(*, moderator, comment: EntryComment, hidden: bool) -> EntryComment:
    """Moderators hide a comment (only its author and moderators still see it) or show
    it again. Idempotent."""
    comment = EntryComment.objects.select_for_update().select_related("example").get(pk=comment.pk)
    if not can_moderate_discussion(user=moderator, example=comment.example):
        raise PermissionDenied(
            moderation_denied_message(
                moderator, comment.example, _("Only moderators hide or restore comments.")
            )
        )
    if comment.hidden != hidden:
        comment.hidden = hidden
        comment.save(update_fields=["hidden", "modified"])
    return comment


@transaction.atomic
def comment_hide_pending_review(*, comment: EntryComment) -> EntryComment:
    """Flags on a comment reached the moderation threshold: hide it until a moderator
    decides. System action, called only by the moderation app's comment adapter (which
    audits it). Idempotent."""
    comment = EntryComment.objects.select_for_update().get(pk=comment.pk)
    if not comment.hidden:
        comment.hidden = True
        comment.save(update_fields=["hidden", "modified"])
    return comment


@transaction.atomic
def comments_move(*, from_example: Example, to_example: Example) -> int:
    """Re-point every comment of ``from_example`` (threads, replies, deleted and hidden
    ones alike) to ``to_example``; returns how many moved. A step of the moderators'
    duplicate merge, which checks who may merge and records it in the audit log; the
    thread keeps its shape and order (replies keep their parent, times are unchanged)."""
    if from_example.pk == to_example.pk:
        raise ValidationError({"to_example": _("An entry cannot be merged into itself.")})
    return http_cache.update_and_invalidate(
        EntryComment.objects.filter(example_id=from_example.pk), example_id=to_example.pk
    )


@transaction.atomic
def comment_restore_deleted(*, actor, comment: EntryComment, reason: str) -> EntryComment:
    """Give back a deleted comment (moderators in the entry's scope; a reason is
    required). A comment that is not deleted is a ValidationError. One audit row."""
    comment = EntryComment.objects.select_for_update().select_related("example").get(pk=comment.pk)
    require_moderator_of(
        actor, comment.example, message=_("Only moderators can restore deleted comments.")
    )
    reason = require_reason(reason)
    if comment.deleted_at is None:
        raise ValidationError({"comment": _("This comment is not deleted.")})
    before = {
        "deleted_at": comment.deleted_at,
        "deleted_by": comment.deleted_by.get_username() if comment.deleted_by_id else None,
    }
    comment.deleted_at = None
    comment.deleted_by = None
    comment.save(update_fields=["deleted_at", "deleted_by", "modified"])
    audit_record(
        actor=actor,
        action=AuditAction.RESTORE,
        target=comment,
        reason=reason,
        before=before,
        after={"deleted_at": None, "entry": comment.example_id},
        country=example_country(comment.example) or "",
    )
    return comment
