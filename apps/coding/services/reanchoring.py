"""Value citations follow their source to a new version, as annotations do: a quote is
found again with the annotations app's text engine (apps/annotations/anchoring.py), a
passage cited without a quote by its anchor (the hash of its text). What cannot be found
is ``orphaned`` and listed on the entry for its author and moderators."""

from __future__ import annotations

from django.db import transaction

from apps.annotations import anchoring
from apps.sources import selectors as source_selectors
from apps.sources.models import Passage

from ..models import AnchorStatus, ValueCitation


@transaction.atomic
def citations_reanchor(*, document_id: int) -> dict:
    """Move the current citations (entries' and coders') of the document's source onto
    ``document`` when it is the source's current version. Idempotent: citations already
    on it are left alone."""
    document = source_selectors.current_version(document_id=document_id)
    if document is None:
        return {"moved": 0, "orphaned": 0}
    citations = list(
        ValueCitation.objects.select_for_update()
        .filter(document__source_id=document.source_id, replaced_at=None)
        .exclude(document=document)
        .select_related("document")
    )
    passages = list(Passage.objects.filter(document=document).order_by("start"))
    by_anchor = {p.anchor: p for p in passages}
    relocator = anchoring.Relocator(document.text)
    moved = orphaned = 0
    for citation in citations:
        old = citation.document
        if citation.quote:
            result = relocator.relocate(
                old,
                exact=citation.quote,
                prefix=citation.prefix,
                suffix=citation.suffix,
                start=citation.start,
                end=citation.end,
            )
            passage = None
            if result.status != anchoring.ORPHANED:
                passage = next((p for p in passages if p.start <= result.start < p.end), None)
            if passage is None:
                citation.anchor_status = AnchorStatus.ORPHANED
                orphaned += 1
            else:
                citation.start, citation.end = result.start, result.end
                citation.passage, citation.passage_anchor = passage, passage.anchor
                citation.anchor_status = (
                    AnchorStatus.ANCHORED
                    if result.status == anchoring.ANCHORED
                    else AnchorStatus.FUZZY
                )
                moved += 1
        else:
            passage = by_anchor.get(citation.passage_anchor)
            if passage is None:
                citation.anchor_status = AnchorStatus.ORPHANED
                orphaned += 1
            else:
                citation.passage = passage
                citation.anchor_status = AnchorStatus.ANCHORED
                moved += 1
        citation.document = document
        citation.save()
    return {"moved": moved, "orphaned": orphaned}
