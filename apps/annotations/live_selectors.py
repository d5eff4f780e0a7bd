"""What live updates need to know of an annotation when it changes (``live.py``), in one
query asked on commit."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce

from apps.moderation.selectors import shadow_hidden_user_ids
from apps.sources.models import Passage

from .models import Annotation, AnnotationAnchor, Visibility


class LiveTarget(NamedTuple):
    """What live updates need of an annotation (``apps/annotations/live.py``)."""

    id: int
    source_id: int
    author_id: int
    thread_id: int
    # Anyone may see it now (public, shown, approved, author not shadow-hidden; a
    # soft-deleted one counts: its deletion is what readers must learn).
    public: bool
    # The same, were it not hidden by a moderator.
    public_unless_hidden: bool
    # The passage its thread is placed on in the source's current version, if any.
    passage_anchor: str | None
    # Nobody else sees anything of a shadow-hidden author's, not even that it went away.
    author_shadow_hidden: bool = False
    # A reading group's note: its members hear of it (their group's channel), nobody else.
    group_id: int | None = None


def live_target(*, annotation_id: int) -> LiveTarget | None:
    """One query: the annotation with its author's standing and its thread's passage
    (each annotation write asks it on commit, before answering: one round trip less than
    asking for the passage apart)."""
    # Where the thread's root starts in the source's current version (the annotation's
    # own anchor when it is a root), and the passage holding that point.
    start = AnnotationAnchor.objects.filter(
        annotation_id=Coalesce(OuterRef(OuterRef("thread_id")), OuterRef(OuterRef("id"))),
        document_id=OuterRef(OuterRef("source__current_document_id")),
        start__isnull=False,
    ).values("start")[:1]
    # No model ordering: Passage's ("document", "order") would join the documents and
    # their sources, and "sources_source" in here would then name that join, not the
    # annotation's source: every source's current passages were scanned (all correct,
    # as the anchor ties them to this source, but the cost grew with the library).
    passage = (
        Passage.objects.filter(
            document_id=OuterRef("source__current_document_id"),
            start__lte=Subquery(start),
            end__gt=Subquery(start),
        )
        .order_by("order")
        .values("anchor")[:1]
    )
    row = (
        Annotation.objects.filter(pk=annotation_id)
        .annotate(
            author_shadow_hidden=Exists(
                shadow_hidden_user_ids().filter(user_id=OuterRef("author_id"))
            ),
            passage_anchor=Subquery(passage),
        )
        .values(
            "id",
            "source_id",
            "author_id",
            "thread_id",
            "visibility",
            "hidden",
            "awaiting_approval",
            "author_shadow_hidden",
            "passage_anchor",
            "group_id",
        )
        .first()
    )
    if row is None:
        return None
    unless_hidden = (
        row["visibility"] == Visibility.PUBLIC
        and not row["awaiting_approval"]
        and not row["author_shadow_hidden"]
    )
    thread_id = row["thread_id"] or row["id"]
    anchor = row["passage_anchor"]
    return LiveTarget(
        id=row["id"],
        source_id=row["source_id"],
        author_id=row["author_id"],
        thread_id=thread_id,
        public=unless_hidden and not row["hidden"],
        public_unless_hidden=unless_hidden,
        passage_anchor=anchor,
        author_shadow_hidden=row["author_shadow_hidden"],
        group_id=row["group_id"] if row["visibility"] == Visibility.GROUP else None,
    )
