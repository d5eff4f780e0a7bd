"""Reads of the discussion under an entry: who may read which comment (deleted ones
nobody; hidden ones and a shadow-hidden author's only their author and moderators), the
threads as a page and the API show them, and the deleted comments moderators may give
back."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef, QuerySet

from apps.moderation.selectors import shadow_hidden_user_ids

from ..entries.selectors import examples_visible_to
from ..models import EntryComment, Example
from ..permissions import can_moderate_discussion, is_comment_author, is_moderator


def comment_visible(*, viewer, comment) -> bool:
    """The rule for one comment in memory: deleted ones are not readable; hidden ones
    only by their author and moderators."""
    if comment.deleted_at is not None:
        return False
    if is_comment_author(viewer, comment):
        return True
    if is_moderator(viewer):
        return True
    if comment.hidden:
        return False
    return not shadow_hidden_user_ids().filter(user_id=comment.author_id).exists()


def comments_readable_in_inbox(user) -> QuerySet:
    """The comments a notification may quote to ``user`` (apps/notifications registry):
    neither deleted nor hidden, on an entry ``user`` may see (a draft stays its author's
    and moderators'). Subqueries only, so the inbox stays one query."""
    return EntryComment.objects.filter(
        deleted_at__isnull=True,
        hidden=False,
        example__in=examples_visible_to(viewer=user).values("pk"),
    )


def comments_for_example(*, example: Example, viewer) -> list:
    """The discussion under an entry as threads: first comments oldest first, each with
    ``.thread_replies`` (oldest first). Deleted or hidden comments the viewer may not
    read stay only as placeholders (``.placeholder`` True, no text shown) while they have
    readable replies, so a thread keeps its shape; otherwise they are left out. One
    query (plus a permission lookup for signed-in non-staff users)."""
    rows = list(
        EntryComment.objects.filter(example=example)
        .annotate(
            author_shadow_hidden=Exists(shadow_hidden_user_ids().filter(user=OuterRef("author")))
        )
        .select_related("author")
        .order_by("created", "pk")
    )
    moderator = (
        is_moderator(viewer)
        if any(row.hidden or row.author_shadow_hidden for row in rows)
        else False
    )
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None

    def readable(row) -> bool:
        if row.deleted_at is not None:
            return False
        if moderator or row.author_id == viewer_id:
            return True
        # A shadow-hidden author's comments are seen by them and moderators only.
        return not row.hidden and not row.author_shadow_hidden

    roots, replies = [], defaultdict(list)
    for row in rows:
        row.placeholder = not readable(row)
        if row.parent_id:
            if not row.placeholder:
                replies[row.parent_id].append(row)
        else:
            roots.append(row)
    threads = []
    for root in roots:
        root.thread_replies = replies.get(root.pk, [])
        if root.placeholder and not root.thread_replies:
            continue
        threads.append(root)
    return threads


def deleted_comments(*, example: Example, viewer) -> list[EntryComment]:
    """The entry's deleted comments, for moderators who may give them back (empty for
    anyone else). One query."""
    if not can_moderate_discussion(user=viewer, example=example):
        return []
    return list(
        EntryComment.objects.filter(example=example, deleted_at__isnull=False)
        .select_related("author", "deleted_by")
        .order_by("-deleted_at", "-pk")
    )
