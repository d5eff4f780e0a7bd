"""Reads for sources. Views and the API get their querysets here."""

from __future__ import annotations

import json

from django.db.models import Q, QuerySet
from django.http import Http404

from apps.moderation.selectors import exclude_hidden

from .models import Document, DocumentStatus, Passage, Source

READER_DOCUMENT_FIELDS = ("id", "source_id", "version", "status", "import_format", "created")


def source_matches(query: str) -> Q:
    """Title or any author contains ``query`` (case-insensitive)."""
    condition = Q(title__icontains=query) | Q(authors__icontains=query)
    # SQLite stores JSON with non-ASCII characters escaped ("M\u00fcller"); match that
    # form too, or authors with accents could never be found there.
    escaped = json.dumps(query)[1:-1]
    if escaped != query:
        condition |= Q(authors__icontains=escaped)
    return condition


def source_list(*, query: str = "", source_type: str = "", year: int | None = None) -> QuerySet:
    """Sources with at least one readable version and not hidden by a moderator, for the
    public list and API."""
    qs = Source.objects.filter(current_document__isnull=False).select_related("current_document")
    qs = exclude_hidden(qs)
    if query:
        qs = qs.filter(source_matches(query))
    if source_type:
        qs = qs.filter(source_type=source_type)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("title")


def source_get(*, slug: str) -> Source:
    try:
        return Source.objects.select_related("current_document", "added_by").get(slug=slug)
    except Source.DoesNotExist as exc:
        raise Http404("No source with this slug.") from exc


def source_versions(*, source: Source) -> QuerySet:
    return (
        source.documents.filter(status=DocumentStatus.READY)
        .only(*READER_DOCUMENT_FIELDS)
        .order_by("version")
    )


def document_for_reader(*, source: Source, version: int | None = None) -> Document:
    """The version to show: a given one, or the current one. 404 if not readable.

    The returned document carries the caller's ``source`` so ``document.source`` costs
    no second query (reader extensions use it)."""
    try:
        if version is None:
            # source_get selects current_document with the source: no query here.
            document = source.current_document
            if document is None or document.status != DocumentStatus.READY:
                raise Document.DoesNotExist
        else:
            document = Document.objects.get(
                source=source, status=DocumentStatus.READY, version=version
            )
    except Document.DoesNotExist as exc:
        raise Http404("This version does not exist or is not ready.") from exc
    document.source = source
    return document


def passages_for_document(*, document: Document) -> QuerySet:
    return Passage.objects.filter(document=document).order_by("order")


def passages_of_current_versions() -> QuerySet:
    """Passages of each source's current version: what search and listings show.

    Older versions stay readable by URL but are not offered again: their passages mostly
    repeat the current ones, and annotations follow the current version.
    """
    # A semi-join on the (few) current versions, not a join through document and source:
    # PostgreSQL then starts from the search index instead of walking every passage.
    current_versions = Source.objects.filter(current_document__status=DocumentStatus.READY).values(
        "current_document_id"
    )
    return Passage.objects.filter(document_id__in=current_versions)


def versions_recently_published() -> QuerySet:
    """Ready versions, newest first (version 1 is the source being added), for
    activity feeds. Failed and pending uploads are not activity."""
    return (
        Document.objects.filter(status=DocumentStatus.READY, import_finished__isnull=False)
        .select_related("source", "created_by")
        .defer("text", "front_matter", "source__abstract")
        .order_by("-import_finished", "-pk")
    )


def document_status_for_user(*, document_id: int, user) -> Document:
    """Import status is shown to the uploader (and staff) only."""
    try:
        document = Document.objects.select_related("source").get(pk=document_id)
    except Document.DoesNotExist as exc:
        raise Http404 from exc
    if not (user.is_authenticated and (document.created_by_id == user.pk or user.is_staff)):
        raise Http404
    return document
