"""Keeping annotations in the text as versions change: re-anchoring onto a new version
(``document_reanchor``, run by ``tasks.reanchor_document``), its periodic repair sweep,
and placing an orphaned annotation by hand (``annotation_reattach``)."""

from __future__ import annotations

import bisect
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import events, http_cache
from apps.sources.models import Document, DocumentStatus, Passage, Source

from .. import anchoring, selectors
from ..models import AnchorStatus, Annotation, AnnotationAnchor, Visibility
from .review import _queue_on_commit
from .targets import TextPositionSelector, TextQuoteSelector, resolve_target
from .validation import _check_document_ready, _check_signed_in

logger = logging.getLogger(__name__)


@transaction.atomic
def annotation_reattach(
    *,
    annotation: Annotation,
    user,
    document: Document,
    quote: TextQuoteSelector | None = None,
    position: TextPositionSelector | None = None,
) -> AnnotationAnchor:
    """Place an annotation by hand in a version where re-anchoring lost it (or placed it
    badly): the author or a moderator selects new text (a private note: its author only).
    Re-anchoring never overwrites a hand-placed anchor. Once the annotation is placed in
    its source's current version, its open *orphaned annotation* review item closes as
    kept ("publish"), with an audit row, and its author is told if someone else placed
    it."""
    _check_signed_in(user)
    if annotation.author_id != user.pk and (
        annotation.visibility != Visibility.PUBLIC or not selectors.can_moderate(user)
    ):
        raise PermissionDenied(_("Only the author or a moderator can re-attach this annotation."))
    if annotation.is_reply or not annotation.has_target:
        raise ValidationError(
            {"annotation": _("Only annotations on a passage are placed in the text.")}
        )
    if document.source_id != annotation.source_id:
        raise ValidationError({"document": _("That version belongs to another source.")})
    _check_document_ready(document)
    target = resolve_target(document=document, quote=quote, position=position)
    anchor, _created = AnnotationAnchor.objects.update_or_create(
        annotation=annotation,
        document=document,
        defaults={
            "status": AnchorStatus.ANCHORED,
            "score": 1.0,
            "start": target.start,
            "end": target.end,
            "passage": target.passage,
            "reattached_by": user,
        },
    )
    _settle_orphan_item(annotation, user=user, document=document)
    return anchor


def _settle_orphan_item(annotation: Annotation, *, user, document: Document) -> None:
    """Close the annotation's open orphan item once it is placed in the current version
    (re-attached there, or everywhere it was lost)."""
    from apps.moderation.models import Decision, ReviewItemType
    from apps.moderation.services import review_items_settle

    current_id = (
        Source.objects.filter(pk=annotation.source_id)
        .values_list("current_document_id", flat=True)
        .first()
    )
    still_lost = AnnotationAnchor.objects.filter(
        annotation=annotation, document_id=current_id, status=AnchorStatus.ORPHANED
    ).exists()
    if still_lost:
        return
    review_items_settle(
        target=annotation,
        item_types=[ReviewItemType.ORPHANED_ANNOTATION],
        actor=user,
        decision=Decision.PUBLISH,
        reason=_("Re-attached to the text of version %(version)s by %(user)s.")
        % {"version": document.version, "user": user.get_username()},
    )


def _reanchor_newer_versions(document: Document) -> None:
    newer = list(
        Document.objects.filter(
            source_id=document.source_id,
            status=DocumentStatus.READY,
            version__gt=document.version or 0,
        )
        # One source: its versions in order (the model's ordering would join the source
        # for its title, on every annotation write).
        .order_by("version", "created")
        .values_list("pk", flat=True)
    )
    for document_id in newer:
        # Its subscriber (annotations/subscribers.py) enqueues tasks.reanchor_document.
        events.publish("annotation.reanchor_needed", document_id=document_id)


# A version that became ready this recently still has its own re-anchoring job coming.
REANCHOR_SETTLE = timedelta(minutes=5)


def reanchor_sweep(*, send: Callable[[int], object], now=None) -> list[int]:
    """``send(document_id)`` (the sweep task passes ``reanchor_document.delay``) for
    ready versions whose annotations lack anchors there (the periodic repair for jobs
    lost while the broker was down); a failure to send is logged and the sweep goes on.
    Returns the document ids found. Safe to run any time: re-anchoring only fills in
    what is missing."""
    now = now or timezone.now()
    document_ids = selectors.documents_missing_anchors(settled_before=now - REANCHOR_SETTLE)
    for document_id in document_ids:
        try:
            send(document_id)
        except Exception:  # noqa: BLE001 - broker still down: the next sweep tries again
            logger.exception("Sweep could not enqueue re-anchoring of document %s", document_id)
    return document_ids


def document_reanchor(*, document_id: int) -> dict[str, int]:
    """Place every root annotation of the source that has no anchor on this version yet.

    The starting point for each is its anchor on the newest earlier version where it was
    placed (so a chain of revisions is followed step by step), with positions mapped
    through a diff of the two texts. Idempotent: existing anchors (including hand-placed
    ones) are kept; a second run finds nothing to do. Returns counts per status.
    """
    document = (
        Document.objects.filter(pk=document_id, status=DocumentStatus.READY)
        .select_related("source")
        .only("id", "version", "text", "source_id", "source__current_document_id")
        .first()
    )
    if document is None:
        return {}
    # The current version takes every annotation of the source, also those made on a
    # version that came after it and was withdrawn (or that it was accepted over): the
    # sources app publishes source.version_ready whenever the current version changes. An older
    # version only takes annotations made before it.
    is_current = document.source.current_document_id == document.pk
    made_elsewhere = (
        ~Q(document_id=document.pk) if is_current else Q(document__version__lt=document.version)
    )
    pending = list(
        Annotation.objects.filter(
            made_elsewhere,
            source_id=document.source_id,
            parent__isnull=True,
            start__isnull=False,
        )
        .exclude(anchors__document=document)
        .values_list("pk", flat=True)
    )
    if not pending:
        return {}
    # Newest placed anchor on another version (before this one, unless this one is
    # current), per annotation: (document id, start, end).
    # Tuples, not model instances: 10,000 instances cost half a second.
    base: dict[int, tuple[int, int, int]] = {}
    placed_elsewhere = (
        ~Q(document_id=document.pk) if is_current else Q(document__version__lt=document.version)
    )
    earlier = (
        AnnotationAnchor.objects.filter(placed_elsewhere, annotation_id__in=pending)
        .exclude(status=AnchorStatus.ORPHANED)
        .order_by("annotation_id", "-document__version")
        .values_list("annotation_id", "document_id", "start", "end")
    )
    for annotation_id, base_document_id, start, end in earlier:
        base.setdefault(annotation_id, (base_document_id, start, end))
    originals = {
        row["pk"]: row
        for row in Annotation.objects.filter(pk__in=pending).values(
            "pk", "document_id", "start", "end", "exact", "prefix", "suffix"
        )
    }
    by_base_document: dict[int, list[int]] = defaultdict(list)
    for annotation_id in pending:
        anchor = base.get(annotation_id)
        by_base_document[anchor[0] if anchor else originals[annotation_id]["document_id"]].append(
            annotation_id
        )

    passages = list(
        Passage.objects.filter(document=document)
        .order_by("start")
        .values_list("pk", "start", "end")
    )
    passage_ends = [end for _pk, _start, end in passages]

    def passage_for(start: int) -> int | None:
        index = bisect.bisect_right(passage_ends, start)
        return passages[index][0] if index < len(passages) else None

    new_text = document.text
    rows = []
    counts: dict[str, int] = defaultdict(int)
    base_texts = dict(
        Document.objects.filter(pk__in=list(by_base_document)).values_list("pk", "text")
    )
    for base_document_id, annotation_ids in by_base_document.items():
        old_text = base_texts[base_document_id]
        position_map = anchoring.PositionMap(old_text, new_text)
        for annotation_id in annotation_ids:
            anchor = base.get(annotation_id)
            if anchor is not None:
                _base_document_id, start, end = anchor
                exact, prefix, suffix = anchoring.context_around(old_text, start, end)
            else:
                original = originals[annotation_id]
                start, end = original["start"], original["end"]
                exact, prefix, suffix = original["exact"], original["prefix"], original["suffix"]
            result = anchoring.anchor_quote(
                new_text,
                exact=exact,
                prefix=prefix,
                suffix=suffix,
                start=start,
                hint=position_map(start),
                hint_end=position_map(end),
            )
            counts[result.status] += 1
            rows.append(
                AnnotationAnchor(
                    annotation_id=annotation_id,
                    document=document,
                    status=result.status,
                    score=result.score,
                    start=result.start,
                    end=result.end,
                    passage_id=passage_for(result.start) if result.start is not None else None,
                )
            )
    # ignore_conflicts: a concurrent or redelivered run may have written some already.
    # bulk_create writes all its batches in one transaction: a worker killed while writing
    # leaves no half-placed version behind, and the redelivered task starts over.
    AnnotationAnchor.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    http_cache.invalidate(AnnotationAnchor)  # bulk_create sends no signal
    orphaned = [row.annotation_id for row in rows if row.status == AnchorStatus.ORPHANED]
    _queue_on_commit(
        "orphaned_annotation",
        orphaned,
        _("Could not be placed in version %(version)s: re-attach it to the new text.")
        % {"version": document.version},
    )
    return dict(counts)
