"""Replying in a thread (any depth). A reply in a private thread is private; a reply in a
group's thread is in that group (replies inherit the root's audience)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.mentions import mention_links
from apps.common import events
from apps.common.markdown import render_markdown
from apps.moderation.standing import standing

from .. import selectors
from ..models import Annotation, Motivation, Visibility
from .notifications import _notify
from .review import _queue_pending
from .validation import (
    _check_body,
    _check_choice,
    _check_signed_in,
    _clean_without_queries,
    normalize_tags,
)


@transaction.atomic
def annotation_reply(
    *,
    author,
    parent: Annotation,
    body: str,
    tags: Iterable[str] = (),
    visibility: str | None = None,
) -> Annotation:
    """Reply to ``parent`` (any depth). The parent must be visible to the author, not
    deleted and not hidden. A reply in a private thread is private."""
    _check_signed_in(author)
    # Everything this write asks moderation about its author, in one read.
    author_standing = standing(author)
    if not selectors.can_see(viewer=author, annotation=parent, include_deleted=True):
        raise ValidationError({"parent": _("The annotation you reply to does not exist.")})
    if parent.deleted_at is not None:
        raise ValidationError({"parent": _("You cannot reply to a deleted annotation.")})
    if parent.hidden:
        raise ValidationError({"parent": _("You cannot reply to a hidden annotation.")})
    if parent.awaiting_approval and parent.author_id != author.pk:
        raise ValidationError(
            {"parent": _("You cannot reply to an annotation that awaits a moderator.")}
        )
    body = _check_body(body)
    tags = normalize_tags(tags)
    if not body:
        raise ValidationError({"body": _("A reply needs a comment.")})
    group_id = None
    if parent.visibility == Visibility.PRIVATE:
        visibility = Visibility.PRIVATE
    elif parent.visibility == Visibility.GROUP:
        visibility, group_id = Visibility.GROUP, parent.group_id
    elif visibility == Visibility.GROUP:
        raise ValidationError(
            {"visibility": _("A reply in a public thread cannot be for a group only.")}
        )
    visibility = _check_choice(visibility or Visibility.PUBLIC, Visibility.values, "visibility")
    reply = Annotation(
        source_id=parent.source_id,
        document_id=parent.document_id,
        author=author,
        body=body,
        body_html=render_markdown(body, mention_url=mention_links(body)),
        tags=tags,
        motivation=Motivation.REPLYING,
        visibility=visibility,
        group_id=group_id,
        parent=parent,
        thread_id=parent.thread_id or parent.pk,
    )
    reply.awaiting_approval = visibility == Visibility.PUBLIC and author_standing.premoderated
    _clean_without_queries(reply)
    reply.save()
    if reply.awaiting_approval:
        _queue_pending(reply)
    _notify(reply, author_standing=author_standing)
    events.publish("annotation.created", annotation_id=reply.pk)
    return reply
