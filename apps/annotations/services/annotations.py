"""Writing an annotation: create one on a span (or on the whole source), edit it (body,
tags, motivation, visibility: public ⇄ private; a group note stays in its group), delete
it."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.mentions import mention_links
from apps.common import events
from apps.common.markdown import render_markdown
from apps.moderation.standing import standing
from apps.sources.models import Document

from .. import group_selectors
from ..models import (
    USER_MOTIVATIONS,
    AnchorStatus,
    Annotation,
    AnnotationAnchor,
    Motivation,
    ReadingGroup,
    Visibility,
)
from .notifications import _notify
from .reanchoring import _reanchor_newer_versions
from .review import _close_review_items_as_private, _queue_pending
from .targets import TextPositionSelector, TextQuoteSelector, resolve_target
from .validation import (
    _check_body,
    _check_choice,
    _check_document_ready,
    _check_not_empty,
    _check_signed_in,
    _clean_without_queries,
    normalize_tags,
)


@transaction.atomic
def annotation_create(
    *,
    author,
    document: Document,
    quote: TextQuoteSelector | None = None,
    position: TextPositionSelector | None = None,
    source_note: bool = False,
    body: str = "",
    tags: Iterable[str] = (),
    motivation: str = Motivation.COMMENTING,
    visibility: str = Visibility.PUBLIC,
    group: ReadingGroup | None = None,
) -> Annotation:
    """Annotate a span of a ready version (or, with ``source_note=True`` and no
    selectors, the source as a whole). Stores the annotation and its anchor on that
    version; newer versions get anchors from re-anchoring, enqueued on commit. With
    ``visibility="group"``, ``group`` is a reading group the author is in. The instance
    returned carries the anchor stored with it as ``stored_anchor`` (None for a note on
    the whole source), for ``selectors.annotation_as_written``."""
    _check_signed_in(author)
    _check_document_ready(document)
    # Everything this write asks moderation about its author, in one read.
    author_standing = standing(author)
    body = _check_body(body)
    motivation = _check_choice(motivation, USER_MOTIVATIONS, "motivation")
    visibility = _check_choice(visibility, Visibility.values, "visibility")
    group = _check_group(author, visibility, group)
    tags = normalize_tags(tags)
    _check_not_empty(body=body, tags=tags, motivation=motivation)
    if source_note:
        if quote is not None or position is not None:
            raise ValidationError({"target": _("A note on the whole source has no selectors.")})
        target = None
    else:
        target = resolve_target(document=document, quote=quote, position=position)

    annotation = Annotation(
        source_id=document.source_id,
        document=document,
        author=author,
        body=body,
        body_html=render_markdown(body, mention_url=mention_links(body)),
        tags=tags,
        motivation=motivation,
        visibility=visibility,
        group=group,
    )
    if target is not None:
        annotation.passage = target.passage
        annotation.exact, annotation.prefix, annotation.suffix = (
            target.exact,
            target.prefix,
            target.suffix,
        )
        annotation.start, annotation.end = target.start, target.end
    # Pre-moderation: a public annotation by a user under it waits for a moderator
    # (private notes are seen by nobody else anyway).
    annotation.awaiting_approval = visibility == Visibility.PUBLIC and author_standing.premoderated
    _clean_without_queries(annotation)
    annotation.save()
    if annotation.awaiting_approval:
        _queue_pending(annotation)
    annotation.stored_anchor = None
    if target is not None:
        annotation.stored_anchor = AnnotationAnchor.objects.create(
            annotation=annotation,
            document=document,
            status=AnchorStatus.ANCHORED,
            score=1.0,
            start=target.start,
            end=target.end,
            passage=target.passage,
        )
        _reanchor_newer_versions(document)
    _notify(annotation, author_standing=author_standing)
    events.publish("annotation.created", annotation_id=annotation.pk)
    return annotation


def _check_group(author, visibility: str, group: ReadingGroup | None) -> ReadingGroup | None:
    """The group a new note goes to: required with visibility "group" and only a group
    the author is in (an unknown group reads the same as one they are not in)."""
    if visibility != Visibility.GROUP:
        if group is not None:
            raise ValidationError({"group": _("Choose “group” visibility to write to a group.")})
        return None
    if group is None or group_selectors.role_in(user=author, group=group) is None:
        raise ValidationError({"group": _("Choose one of your reading groups.")})
    return group


def _check_author(annotation: Annotation, user, action: str) -> None:
    _check_signed_in(user)
    if annotation.author_id != user.pk:
        raise PermissionDenied(
            _("Only the author can %(action)s this annotation.") % {"action": action}
        )
    if annotation.deleted_at is not None:
        raise ValidationError({"annotation": _("This annotation was deleted.")})


@transaction.atomic
def annotation_update(
    *,
    annotation: Annotation,
    user,
    body: str | None = None,
    tags: Iterable[str] | None = None,
    motivation: str | None = None,
    visibility: str | None = None,
) -> Annotation:
    """Change body, tags, motivation or visibility (the author only). The target never
    changes here (see ``annotation_reattach``). Marks the annotation edited."""
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    _check_author(annotation, user, _("edit"))
    author_standing = standing(user)
    was_public = _publicly_shown(annotation)
    tags_before = list(annotation.tags)
    changed = False
    if body is not None:
        body = _check_body(body)
        changed |= body != annotation.body
        annotation.body, annotation.body_html = (
            body,
            render_markdown(body, mention_url=mention_links(body)),
        )
    if tags is not None:
        tags = normalize_tags(tags)
        changed |= tags != annotation.tags
        annotation.tags = tags
    if motivation is not None and not annotation.is_reply:
        annotation.motivation = _check_choice(motivation, USER_MOTIVATIONS, "motivation")
    becomes_private = False
    if visibility is not None:
        visibility = _check_choice(visibility, Visibility.values, "visibility")
        if (visibility == Visibility.GROUP) != (annotation.visibility == Visibility.GROUP):
            # Moving a note into or out of a group would show it to a new audience (or
            # take it from one that replied): the group is chosen when writing.
            raise ValidationError(
                {"visibility": _("A note stays in the group it was written for.")}
                if annotation.visibility == Visibility.GROUP
                else {"visibility": _("Choose the group when you write the note.")}
            )
        if visibility == Visibility.PRIVATE and annotation.visibility == Visibility.PUBLIC:
            _check_can_become_private(annotation)
            becomes_private = True
            # Nobody else will see it, so nobody has to approve it; made public again, it
            # waits again if its author is still under pre-moderation.
            annotation.awaiting_approval = False
        if visibility == Visibility.PUBLIC and annotation.parent_id:
            parent_private = Annotation.objects.filter(
                pk=annotation.parent_id, visibility=Visibility.PRIVATE
            ).exists()
            if parent_private:
                raise ValidationError(
                    {"visibility": _("A reply in a private thread stays private.")}
                )
        if (
            visibility == Visibility.PUBLIC
            and annotation.visibility == Visibility.PRIVATE
            and author_standing.premoderated
        ):
            # Going public is publishing: it waits like a new annotation would.
            annotation.awaiting_approval = True
            _queue_pending(annotation)
        annotation.visibility = visibility
    _check_not_empty(body=annotation.body, tags=annotation.tags, motivation=annotation.motivation)
    if annotation.is_reply and not annotation.body:
        raise ValidationError({"body": _("A reply needs a comment.")})
    annotation.edited = annotation.edited or changed
    _clean_without_queries(annotation)
    annotation.save()
    if becomes_private:
        _close_review_items_as_private(annotation)
    _notify(annotation, author_standing=author_standing, edited=changed)
    events.publish(
        "annotation.updated",
        annotation_id=annotation.pk,
        was_public=was_public,
        # The tags it had (tags hold no comma): their site-wide counts are recounted.
        old_tags=",".join(tags_before) if tags_before != annotation.tags else "",
    )
    return annotation


def _publicly_shown(annotation: Annotation) -> bool:
    """Whether readers other than its author saw it (its author's standing aside: live
    updates check that when they announce it)."""
    return (
        annotation.visibility == Visibility.PUBLIC
        and not annotation.hidden
        and not annotation.awaiting_approval
    )


def _check_can_become_private(annotation: Annotation) -> None:
    others_replied = (
        Annotation.objects.filter(thread_id=annotation.thread_id or annotation.pk)
        .exclude(author_id=annotation.author_id)
        .exists()
    )
    if others_replied:
        raise ValidationError(
            {"visibility": _("Others have replied in this thread, so it cannot become private.")}
        )


@transaction.atomic
def annotation_delete(*, annotation: Annotation, user) -> Annotation:
    """Soft-delete (the author only). With replies, the thread keeps it as "[deleted]";
    without, it disappears from every list. Idempotent for the author."""
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    _check_signed_in(user)
    if annotation.author_id != user.pk:
        raise PermissionDenied(_("Only the author can delete this annotation."))
    if annotation.deleted_at is None:
        annotation.deleted_at = timezone.now()
        annotation.save(update_fields=["deleted_at", "modified"])
        events.publish("annotation.deleted", annotation_id=annotation.pk)
    return annotation
