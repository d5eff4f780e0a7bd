"""Passage link quotes follow their source to a new version, as annotations and value
citations do (apps/coding/services/reanchoring.py): the selected words are found again
with the annotations app's text engine and the link moves to the new version's passage
that holds them, its quote and context re-read from the new text (so the form and the
API still verify it). Words not found leave the link on its old passage, its quote
``orphaned``: shown to the entry's editors and moderators (entries/passage_api.py), who
can select the words again. Links without a quote name a passage, not words: they stay."""

from __future__ import annotations

from django.db import transaction

from apps.annotations import anchoring
from apps.sources import selectors as source_selectors
from apps.sources.models import Passage

from .models import QUOTE_CONTEXT_LENGTH, PassageLink, QuoteStatus


@transaction.atomic
def passage_quotes_reanchor(*, document_id: int) -> dict:
    """Move the quoted passage links of the document's source onto ``document`` when it
    is the source's current version. Idempotent: links already on it are left alone; an
    orphan is tried again against each newer version."""
    document = source_selectors.current_version(document_id=document_id)
    if document is None:
        return {"moved": 0, "orphaned": 0}
    links = list(
        PassageLink.objects.select_for_update(of=("self",))
        .filter(passage__document__source_id=document.source_id)
        .exclude(passage__document=document)
        .exclude(quote="")
        .select_related("passage__document")
        .order_by("pk")
    )
    if not links:
        return {"moved": 0, "orphaned": 0}
    passages = list(Passage.objects.filter(document=document).order_by("start"))
    taken = set(
        PassageLink.objects.filter(passage__document=document).values_list(
            "example_id", "passage_id"
        )
    )
    relocator = anchoring.Relocator(document.text)
    moved = orphaned = 0
    for link in links:
        result = relocator.relocate(
            link.passage.document,
            exact=link.quote,
            prefix=link.quote_prefix,
            suffix=link.quote_suffix,
            start=link.quote_start,
            end=link.quote_end,
        )
        passage = None
        if result.status != anchoring.ORPHANED:
            passage = next(
                (p for p in passages if p.start <= result.start and result.end <= p.end), None
            )
        if passage is None or (link.example_id, passage.pk) in taken:
            # Not found, across passages, or the entry already links that passage.
            link.quote_status = QuoteStatus.ORPHANED
            orphaned += 1
        else:
            exact, prefix, suffix = anchoring.context_around(
                document.text, result.start, result.end
            )
            link.passage = passage
            link.quote = exact
            link.quote_prefix = prefix[-QUOTE_CONTEXT_LENGTH:]
            link.quote_suffix = suffix[:QUOTE_CONTEXT_LENGTH]
            link.quote_start, link.quote_end = result.start, result.end
            link.quote_status = (
                QuoteStatus.ANCHORED if result.status == anchoring.ANCHORED else QuoteStatus.FUZZY
            )
            taken.add((link.example_id, passage.pk))
            moved += 1
        link._change_reason = "Re-anchored onto a new version of the source"
        link.save()
    return {"moved": moved, "orphaned": orphaned}
