"""Reads for translations of a source (ADR 0019, ADR 0022): which translations a reader
links to, the aligned rows of the side-by-side reader, and the originals beside a
translated search hit. Visibility: :func:`apps.sources.selectors.exclude_withheld`."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404

from .models import AlignedPair, DocumentStatus, Passage, Source, Translation
from .selectors import (
    DOCUMENT_BULK_FIELDS,
    PassageRow,
    exclude_withheld,
    passage_rows_for_document,
)


def translations_for_source(*, source: Source) -> list[Translation]:
    """The translations of ``source`` everyone may read: aligned, with a published
    version, and not withheld by moderation. One query."""
    return translation_links(source=source)[0]


def translation_links(*, source: Source) -> tuple[list[Translation], Translation | None]:
    """(``translations_for_source``, the translation ``source`` itself is, if its original
    may be read): what the reader links to, in one query."""
    if getattr(source, "in_translation", True) is False:  # source_get knows: no query
        return [], None
    visible = exclude_withheld(Source.objects.all()).values("pk")
    bulk = [f"{rel}__{name}" for rel in ("document", "original") for name in DOCUMENT_BULK_FIELDS]
    rows = list(
        Translation.objects.filter(
            Q(original_source=source, source__in=visible) | Q(source=source),
            document__status=DocumentStatus.READY,
            original__status=DocumentStatus.READY,
            original_source__in=visible,
        )
        .select_related("source", "original", "document", "original_source")
        .defer(*bulk)
        .order_by("language")
    )
    of_this = [t for t in rows if t.original_source_id == source.pk]
    itself = next((t for t in rows if t.source_id == source.pk), None)
    return of_this, itself


def translation_get(*, source: Source, language: str) -> Translation:
    """The readable translation of ``source`` into ``language``, or Http404."""
    language = (language or "").strip().lower()
    for translation in translations_for_source(source=source):
        if translation.language == language:
            return translation
    raise Http404("No such translation.")


class AlignedRow(NamedTuple):
    order: int
    original: list[PassageRow]
    translation: list[PassageRow]


def aligned_rows(*, translation: Translation) -> list[AlignedRow]:
    """The alignment as rows of passages (three queries: both versions' passages, the
    pairs). An anchor no longer in its version (none should be) is left out."""
    original = {row.anchor: row for row in passage_rows_for_document(document=translation.original)}
    translated = {
        row.anchor: row for row in passage_rows_for_document(document=translation.document)
    }
    pairs = AlignedPair.objects.filter(translation=translation).order_by("order")
    return [
        AlignedRow(
            order,
            [original[a] for a in original_anchors if a in original],
            [translated[a] for a in translated_anchors if a in translated],
        )
        for order, original_anchors, translated_anchors in pairs.values_list(
            "order", "original_anchors", "translated_anchors"
        )
    ]


class AlignedOriginal(NamedTuple):
    language: str
    text: str
    url: str


def aligned_originals(*, passage_ids: list[int]) -> dict[int, AlignedOriginal]:
    """For each of ``passage_ids`` that is a passage of an aligned translation: the
    original passage(s) it renders (text joined, and a link to that row of the side-by-
    side reader). Search shows them beside a translated hit (it asks only for passages
    of translations). Four queries; none for no ids."""
    passages = list(
        Passage.objects.filter(pk__in=passage_ids).values_list("pk", "anchor", "document_id")
    ) if passage_ids else []  # fmt: skip
    if not passages:
        return {}
    visible = exclude_withheld(Source.objects.all()).values("pk")
    translations = {
        t.document_id: t
        for t in Translation.objects.filter(
            document_id__in={doc for _pk, _anchor, doc in passages},
            original__status=DocumentStatus.READY,
            original_source__in=visible,
        ).select_related("original_source")
    }
    originals: dict[tuple[int, str], list[str]] = {}
    for translation_id, original_anchors, translated_anchors in AlignedPair.objects.filter(
        translation__in=translations.values()
    ).values_list("translation_id", "original_anchors", "translated_anchors"):
        for anchor in translated_anchors:
            originals[(translation_id, anchor)] = original_anchors
    wanted = {
        (t.original_id, anchor)
        for t in translations.values()
        for (tid, _a), anchors in originals.items() if tid == t.pk
        for anchor in anchors
    }  # fmt: skip
    texts: dict[tuple[int, str], str] = {}
    if wanted:
        q = Q()
        for document_id, anchor in wanted:
            q |= Q(document_id=document_id, anchor=anchor)
        texts = {
            (doc, anchor): text
            for doc, anchor, text in Passage.objects.filter(q).values_list(
                "document_id", "anchor", "text"
            )
        }
    found: dict[int, AlignedOriginal] = {}
    for pk, anchor, document_id in passages:
        translation = translations.get(document_id)
        if translation is None:
            continue
        anchors = originals.get((translation.pk, anchor), [])
        parts = [
            texts[(translation.original_id, a)]
            for a in anchors
            if (translation.original_id, a) in texts
        ]
        if not parts:
            continue
        url = (
            f"{translation.original_source.get_absolute_url()}"
            f"?{urlencode({'translation': translation.language})}#p-{anchors[0]}"
        )
        found[pk] = AlignedOriginal(translation.original_source.language, "\n\n".join(parts), url)
    return found
