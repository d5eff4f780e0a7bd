"""Reads for the reader of one version: the thread roots it paints (the public set and the
viewer's part beyond it), its orphans and per-passage thread counts. The visibility rules
are :mod:`apps.annotations.selectors`' (``annotations_visible``, ``visibility_q``)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from apps.common.prepared import PreparedQuery
from apps.moderation.selectors import shadow_hidden_user_ids

from .models import AnchorStatus, AnnotationAnchor, Visibility
from .selectors import (
    annotation_list,
    annotations_visible,
    is_moderator,
    visibility_q,
    with_anchor,
)


def annotations_for_reader(*, viewer, document) -> QuerySet:
    """Everything the reader of ``document`` shows: roots placed on it (anchored or
    fuzzy, with their positions there), orphans, source notes and all replies."""
    return annotation_list(
        viewer=viewer, source=document.source, document=document, hidden_placeholders=True
    )


def _roots_on(queryset: QuerySet, *, document) -> QuerySet:
    """The thread roots of ``queryset`` placed on ``document`` (an anchor there in any
    status) or notes on its source, with ``anchor_*`` for that version: the rows
    ``annotation_list(document=...)`` keeps for roots, through the anchor join it needs
    anyway rather than ``IN`` subqueries (several times faster on 2,000 roots)."""
    qs = queryset.filter(parent__isnull=True, source_id=document.source_id)
    return with_anchor(qs, document_id=document.pk).filter(
        Q(anchor_status__isnull=False) | Q(start__isnull=True)
    )


def threads_for_reader(*, viewer, document) -> QuerySet:
    """The thread roots the reader of ``document`` paints and lists: roots placed on it
    (anchored, fuzzy or orphaned, with their positions there) and the source's notes.
    Replies are fetched per thread (``annotation_list(thread_id=...)``)."""
    visible = annotations_visible(viewer=viewer, hidden_placeholders=True)
    return _roots_on(visible, document=document).order_by("created", "id")


def public_thread_roots(*, document) -> QuerySet:
    """The thread roots an anonymous reader sees on ``document`` (the same rows as
    ``threads_for_reader`` for an anonymous viewer: placed there in any anchor status, or
    notes on the source), with ``redacted`` and ``anchor_*`` but without the listing joins
    (``source_slug``, ``document_version``, the author's row): for the reader's public
    JSON, which reads a few columns with ``values()``."""
    visible = annotations_visible(
        viewer=AnonymousUser(), hidden_placeholders=True, listing_joins=False
    )
    return _roots_on(visible, document=document)


def threads_for_reader_beyond_public(*, viewer, document) -> QuerySet:
    """The roots ``viewer`` sees on ``document`` that the public set (what an anonymous
    reader sees, which the reader fetches from a cache shared by everyone) lacks or shows
    redacted: the viewer's own private, hidden, waiting or shadow-hidden annotations and,
    for moderators, everything they moderate. The reader's script lays these over the
    public set by id. Small for anyone but moderators: for others it is their own rows
    only, found through the author index."""
    beyond = ~visibility_q(None) | Q(author_id__in=shadow_hidden_user_ids())
    qs = threads_for_reader(viewer=viewer, document=document).filter(beyond)
    # A group's hidden root kept for its replies is not in the public set either.
    qs = qs.filter(Q(redacted=False) | Q(visibility=Visibility.GROUP))
    if not is_moderator(viewer):
        # Their own, and their groups' notes (which ``threads_for_reader`` already
        # limited to the groups they are in).
        qs = qs.filter(Q(author=viewer) | Q(visibility=Visibility.GROUP))
    return qs


def orphans_for_reader(*, viewer, document) -> QuerySet:
    """Visible thread roots that could not be placed in ``document`` (the reader lists
    them with "N annotations could not be placed"). Reached through the anchors of the
    version, not through the source's whole set of annotations."""
    return (
        annotations_visible(viewer=viewer)
        .filter(
            parent__isnull=True,
            deleted_at__isnull=True,
            anchors__document=document,
            anchors__status=AnchorStatus.ORPHANED,
        )
        .order_by("created", "id")
    )


def document_has_orphans(*, document) -> bool:
    """Whether any annotation (visible or not) could not be placed in ``document``: one
    index look-up that spares most reader pages the full visibility query of
    :func:`orphans_for_reader`, which costs a few milliseconds to build and plan."""
    return bool(_ANY_ORPHAN.rows(document_id=document.pk))


# Compiled once per process (apps/common/prepared.py): every cold reader asks.
_ANY_ORPHAN = PreparedQuery(
    lambda document_id: (
        AnnotationAnchor.objects.filter(document_id=document_id, status=AnchorStatus.ORPHANED)
        .order_by()
        .values_list("pk")[:1]
    ),
    document_id=int,
    plan_once=True,
)


def orphan_count(*, viewer, document) -> int:
    return (
        annotations_visible(viewer=viewer)
        .filter(anchors__document=document, anchors__status=AnchorStatus.ORPHANED)
        .count()
    )


def thread_counts_by_passage(*, viewer, document) -> dict[int, int]:
    """{passage id: number of visible threads placed on it in this version}."""
    rows = (
        annotations_visible(viewer=viewer)
        .filter(parent__isnull=True, deleted_at__isnull=True)
        .filter(anchors__document=document, anchors__passage__isnull=False)
        .exclude(anchors__status=AnchorStatus.ORPHANED)
        .values("anchors__passage_id")
        .annotate(n=Count("pk", distinct=True))
    )
    return {row["anchors__passage_id"]: row["n"] for row in rows}
