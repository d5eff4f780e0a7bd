"""Reads for sources. Views and the API get their querysets here, and visibility lives
here (rules in permissions.py): a source moderation hid is seen by its stewards only; a
proposed, rejected or withdrawn version only by those permissions.can_read_document
names; lists, search and activity show published versions of visible sources only."""

from __future__ import annotations

import json
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from apps.common.prepared import PreparedQuery
from apps.moderation.selectors import (
    exclude_hidden,
    hidden_flag,
    is_hidden,
    is_shadow_hidden,
    shadow_hidden_flag,
    shadow_hidden_user_ids,
)

from . import permissions
from .diff import VersionDiff, diff_passages
from .models import (
    IMPORTED_STATUSES,
    Document,
    DocumentStatus,
    Passage,
    PendingUpload,
    Source,
    SourceMaintainer,
    Translation,
)

READER_DOCUMENT_FIELDS = ("id", "source_id", "version", "status", "import_format", "created")
# A version's columns that can be large (the whole text) and that pages never show.
DOCUMENT_BULK_FIELDS = ("text", "front_matter")


def source_matches(query: str) -> Q:
    """Title or any author contains ``query`` (case-insensitive)."""
    condition = Q(title__icontains=query) | Q(authors__icontains=query)
    # SQLite stores JSON with non-ASCII characters escaped ("M\u00fcller"); match that
    # form too, or authors with accents could never be found there.
    escaped = json.dumps(query)[1:-1]
    if escaped != query:
        condition |= Q(authors__icontains=escaped)
    return condition


def source_list(
    *,
    query: str = "",
    source_type: str = "",
    year: int | None = None,
    originals_only: bool = False,
) -> QuerySet:
    """Sources with at least one readable version and not hidden by a moderator, for the
    public list and API."""
    qs = Source.objects.filter(current_document__isnull=False).select_related("current_document")
    qs = exclude_withheld(qs)
    if originals_only:
        # A translation is read beside its original (``?translation=``), not listed apart
        # (the list page and API); search still finds its passages.
        qs = qs.filter(translation_of__isnull=True)
    if query:
        qs = qs.filter(source_matches(query))
    if source_type:
        qs = qs.filter(source_type=source_type)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("title")


def exclude_withheld(sources: QuerySet) -> QuerySet:
    """Leave out the sources that shared lists never show: hidden by moderation, or added
    by a shadow-hidden account (whose content only they and moderators see; the lists
    are the same for everyone, so it is left out for everyone)."""
    return exclude_hidden(sources).exclude(added_by__in=shadow_hidden_user_ids())


def source_withheld(source: Source) -> bool:
    """Whether ``source`` is seen by its stewards (and moderators) only: moderation hid
    it, or its uploader is shadow-hidden (permissions.can_see_source decides with it)."""
    return is_hidden(source) or is_shadow_hidden(source.added_by)


def _in_translation_flag() -> RawSQL:
    """``EXISTS``: whether the outer source is in any translation, either side."""
    quote = connection.ops.quote_name
    table = quote(Translation._meta.db_table)
    outer = f"{quote(Source._meta.db_table)}.{quote(Source._meta.pk.column)}"
    original = quote(Translation._meta.get_field("original_source").column)
    translated = quote(Translation._meta.get_field("source").column)
    return RawSQL(
        f"EXISTS (SELECT 1 FROM {table} link"
        f" WHERE link.{original} = {outer} OR link.{translated} = {outer})",
        (),
        output_field=BooleanField(),
    )


_SOURCE_FIELDS = Source._meta.concrete_fields
_READER_DOCUMENT_FIELDS = [
    field for field in Document._meta.concrete_fields if field.name not in DOCUMENT_BULK_FIELDS
]
_READER_FLAGS = ("is_hidden", "uploader_shadow_hidden", "in_translation")
# The reader's source with its flags and its current version (without the text and front
# matter, 50 kB on a long text, which the page never shows, nor the uploader's row): every
# cold reader asks, so it is compiled once per process (apps/common/prepared.py).
_READER_SOURCE = PreparedQuery(
    lambda slug: (
        Source.objects.filter(slug=slug)
        .annotate(
            is_hidden=hidden_flag(Source),
            uploader_shadow_hidden=shadow_hidden_flag(Source, author_field="added_by"),
            # Most sources have no translation: the reader then skips asking.
            in_translation=_in_translation_flag(),
        )
        .values_list(
            *(field.name for field in _SOURCE_FIELDS),
            *_READER_FLAGS,
            *(f"current_document__{field.name}" for field in _READER_DOCUMENT_FIELDS),
        )
    ),
    slug=str,
    plan_once=True,
)


def _reader_source(slug: str) -> Source:
    rows = _READER_SOURCE.rows(slug=slug)
    if not rows:
        raise Source.DoesNotExist
    row = rows[0]
    flags_at, document_at = len(_SOURCE_FIELDS), len(_SOURCE_FIELDS) + len(_READER_FLAGS)
    source = Source.from_db(
        DEFAULT_DB_ALIAS, [field.attname for field in _SOURCE_FIELDS], row[:flags_at]
    )
    source.is_hidden, source.uploader_shadow_hidden, source.in_translation = (
        bool(flag) for flag in row[flags_at:document_at]
    )
    values = row[document_at:]
    # Assigning caches the version as select_related would (None: no version yet).
    source.current_document = (
        Document.from_db(
            DEFAULT_DB_ALIAS, [field.attname for field in _READER_DOCUMENT_FIELDS], values
        )
        if values[0] is not None
        else None
    )
    return source


def source_get(*, slug: str, viewer=None, for_reader: bool = False) -> Source:
    """The source, or Http404 — also when moderation hid it and ``viewer`` (None:
    anonymous) is not one of its stewards. ``source.is_hidden`` tells the page.
    ``for_reader``: for the reader page, which shows passages, not the whole text: the
    current version comes without its text and front matter, and ``in_translation`` says
    whether the source is in any translation, which
    :func:`~apps.sources.translation_selectors.translation_links` then trusts (a payload
    that reads it depends on translations)."""
    queryset = Source.objects.select_related("current_document", "added_by")
    # The moderation flags written out in SQL: the ORM's Exists over the same subqueries
    # cost ~0.6 ms of query compilation each on every cold render of the reader
    # (docs/benchmarks.md, "Cold reader, session 9").
    annotations = {
        "is_hidden": hidden_flag(Source),
        "uploader_shadow_hidden": shadow_hidden_flag(Source, author_field="added_by"),
    }
    try:
        if for_reader:
            source = _reader_source(slug)
        else:
            source = queryset.annotate(**annotations).get(slug=slug)
    except Source.DoesNotExist as exc:
        raise Http404("No source with this slug.") from exc
    # A shadow-hidden uploader's source is withheld like a hidden one, but silently: the
    # page's "moderators hid this" notice follows ``is_hidden`` only.
    withheld = source.is_hidden or source.uploader_shadow_hidden
    if not permissions.can_see_source(viewer, source, hidden=withheld):
        raise Http404("No source with this slug.")
    return source


def source_versions(*, source: Source) -> QuerySet:
    """The published versions, oldest first: what the version switcher and the API's
    version list show everyone."""
    return (
        source.documents.filter(status=DocumentStatus.READY)
        .only(*READER_DOCUMENT_FIELDS)
        .order_by("version")
    )


def published_versions(*, source: Source) -> list[Document]:
    """:func:`source_versions` as a list, from a query compiled once per process (every
    reader page asks; apps/common/prepared.py)."""
    return [
        Document.from_db(DEFAULT_DB_ALIAS, READER_DOCUMENT_FIELDS, row)
        for row in _PUBLISHED_VERSIONS.rows(source_id=source.pk)
    ]


_PUBLISHED_VERSIONS = PreparedQuery(
    lambda source_id: (
        Document.objects.filter(source_id=source_id, status=DocumentStatus.READY)
        .order_by("version")
        .values_list(*READER_DOCUMENT_FIELDS)
    ),
    source_id=int,
    plan_once=True,
)


def source_versions_for(*, source: Source, viewer) -> list[Document]:
    """Every version ``viewer`` may read, by number: the published ones, plus proposals
    (their own, or all for stewards), rejected proposals and withdrawn versions."""
    statuses = [DocumentStatus.READY]
    steward = permissions.can_steward(viewer, source)
    if steward:
        statuses = list(IMPORTED_STATUSES)
    qs = source.documents.filter(status__in=statuses)
    if not steward and viewer is not None and viewer.is_authenticated:
        qs = source.documents.filter(
            Q(status=DocumentStatus.READY)
            | Q(
                status__in=[DocumentStatus.PROPOSED, DocumentStatus.REJECTED],
                created_by=viewer,
            )
        )
    return list(
        qs.select_related("created_by", "base_document", "decided_by")
        .only(
            *READER_DOCUMENT_FIELDS,
            "created_by__username",
            "created_by__display_name",
            "base_document__version",
            "decided_by__username",
            "decided_at",
            "decision_reason",
            "is_proposal",
            "published_at",
            "original_filename",
        )
        .order_by("version")
    )


def proposals_for(*, source: Source, viewer) -> list[Document]:
    """The proposals waiting for a decision that ``viewer`` may read (stewards: all;
    anyone else: their own), oldest first."""
    return [
        document
        for document in source_versions_for(source=source, viewer=viewer)
        if document.status == DocumentStatus.PROPOSED
    ]


def maintainers_of(*, source: Source) -> list:
    """The source's maintainers (users, with their id, username and display name only:
    what the page and the API show), in the order they were named."""
    # from_db: the other columns are deferred (read on access), not blank.
    user_model = get_user_model()
    return [
        user_model.from_db(DEFAULT_DB_ALIAS, MAINTAINER_FIELDS, row)
        for row in _MAINTAINERS.rows(source_id=source.pk)
    ]


# Every source page reads this: a user row is wide (password, bio, ...); three columns,
# compiled once per process (apps/common/prepared.py).
MAINTAINER_FIELDS = ("id", "username", "display_name")
_MAINTAINERS = PreparedQuery(
    lambda source_id: (
        SourceMaintainer.objects.filter(source_id=source_id)
        .order_by("created", "id")
        .values_list(*(f"user__{name}" for name in MAINTAINER_FIELDS))
    ),
    source_id=int,
    plan_once=True,
)


def document_for_reader(*, source: Source, version: int | None = None, viewer=None) -> Document:
    """The version to show: a given one, or the current one. 404 if it does not exist or
    ``viewer`` (None: anonymous) may not read it (a proposal, a withdrawn version).

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
                source=source, status__in=IMPORTED_STATUSES, version=version
            )
    except Document.DoesNotExist as exc:
        raise Http404("This version does not exist or is not ready.") from exc
    document.source = source
    if not permissions.can_read_document(viewer, document, source=source):
        raise Http404("This version does not exist or is not ready.")
    return document


def current_version(*, document_id: int) -> Document | None:
    """The version ``document_id`` if it is published and its source's current one (with
    its source), else None: what quotes and citations elsewhere are moved onto."""
    document = Document.objects.select_related("source").filter(pk=document_id).first()
    if (
        document is None
        or document.status != DocumentStatus.READY
        or document.source.current_document_id != document.pk
    ):
        return None
    return document


def passages_for_document(*, document: Document) -> QuerySet:
    return Passage.objects.filter(document=document).order_by("order")


class PassageRow(NamedTuple):
    """What the reader's passage markup needs of a passage, without a model instance
    (hydrating hundreds of ``Passage`` objects was a sixth of a cold reader)."""

    pk: int
    kind: str
    text: str
    start: int
    end: int
    anchor: str

    @property
    def html_id(self) -> str:
        return f"p-{self.anchor}"


# Compiled once per process (apps/common/prepared.py): every cold reader runs it.
_PASSAGE_ROWS = PreparedQuery(
    lambda document_id: (
        Passage.objects.filter(document_id=document_id)
        .order_by("order")
        .values_list("pk", "kind", "text", "start", "end", "anchor")
    ),
    document_id=int,
    plan_once=True,
)


def passage_rows_for_document(*, document: Document) -> list[PassageRow]:
    return [PassageRow._make(row) for row in _PASSAGE_ROWS.rows(document_id=document.pk)]


class DiffInputError(ValueError):
    """The diff's query parameters are missing or malformed (400), with a message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _version_number(raw, field: str) -> int:
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 2_147_483_647:
        raise DiffInputError(
            field, f"“{field}” must be a version number such as 1 (got “{str(raw)[:20]}”)."
        )
    return number


def version_diff(*, source: Source, from_version, to_version, viewer) -> VersionDiff:
    """The word-level difference between two versions of ``source`` that ``viewer`` may
    read. ``to_version`` defaults to the current version, ``from_version`` to the version
    a proposal was made against (else the published version before ``to``).

    Raises DiffInputError (400) for a malformed number and Http404 for a version that
    does not exist or that ``viewer`` may not read. Two queries for the versions and two
    for their passages, whatever their length.
    """
    to_number = None if to_version in (None, "") else _version_number(to_version, "to")
    from_number = None if from_version in (None, "") else _version_number(from_version, "from")
    if to_number is None:
        if source.current_document is None:
            raise Http404("This source has no published version yet.")
        to_number = source.current_document.version
    fields = (*READER_DOCUMENT_FIELDS, "created_by_id", "base_document_id", "published_at")
    to_document = (
        Document.objects.filter(source=source, status__in=IMPORTED_STATUSES, version=to_number)
        .only(*fields)
        .first()
    )
    if to_document is None or not permissions.can_read_document(viewer, to_document, source=source):
        raise Http404(f"Version {to_number} does not exist.")
    if from_number is None:
        from_document = _default_base(source, to_document)
        if from_document is None:
            raise DiffInputError("from", "Version 1 has no earlier version: say “from”.")
    else:
        from_document = (
            Document.objects.filter(
                source=source, status__in=IMPORTED_STATUSES, version=from_number
            )
            .only(*fields)
            .first()
        )
    if from_document is None or not permissions.can_read_document(
        viewer, from_document, source=source
    ):
        raise Http404(f"Version {from_number} does not exist.")
    columns = ("anchor", "order", "kind", "text")
    rows = {document_id: [] for document_id in (from_document.pk, to_document.pk)}
    for row in (
        Passage.objects.filter(document_id__in=list(rows))
        .order_by("document_id", "order")
        .values_list("document_id", *columns)
    ):
        rows[row[0]].append(dict(zip(columns, row[1:], strict=True)))
    from_document.source = to_document.source = source
    return diff_passages(
        rows[from_document.pk],
        rows[to_document.pk],
        from_document=from_document,
        to_document=to_document,
    )


def _default_base(source: Source, document: Document) -> Document | None:
    """What a version is best compared with: the version a proposal was made against,
    else the published version before it."""
    if document.base_document_id:
        return (
            Document.objects.filter(pk=document.base_document_id)
            .only(*READER_DOCUMENT_FIELDS, "created_by_id", "base_document_id")
            .first()
        )
    return (
        source.documents.filter(status=DocumentStatus.READY, version__lt=document.version)
        .only(*READER_DOCUMENT_FIELDS, "created_by_id", "base_document_id")
        .order_by("-version")
        .first()
    )


def passages_of_current_versions() -> QuerySet:
    """Passages of each source's current version: what search and listings show.

    Older versions stay readable by URL but are not offered again: their passages mostly
    repeat the current ones, and annotations follow the current version.
    """
    # A semi-join on the (few) current versions, not a join through document and source:
    # PostgreSQL then starts from the search index instead of walking every passage.
    return Passage.objects.filter(document_id__in=current_version_ids())


def current_version_ids() -> QuerySet:
    """``current_document_id`` of every source whose current version is ready and that
    shared lists show: a passage is visible exactly when its document is one of these
    (``passages_of_current_versions``; search tests its index rows against it). Sources
    moderation hid are left out (their stewards read them in the reader)."""
    return exclude_withheld(
        Source.objects.filter(current_document__status=DocumentStatus.READY)
    ).values("current_document_id")


def versions_recently_published() -> QuerySet:
    """Published versions of visible sources, newest publication first (the first is the
    source being added), for activity feeds. Failed and pending uploads, proposals,
    rejected and withdrawn versions are not activity; an accepted proposal counts from
    its acceptance."""
    return (
        Document.objects.filter(status=DocumentStatus.READY, import_finished__isnull=False)
        .filter(source__in=exclude_withheld(Source.objects.all()))
        .select_related("source", "created_by")
        .defer("text", "front_matter", "source__abstract")
        .order_by(F("published_at").desc(nulls_last=True), "-import_finished", "-pk")
    )


def pending_upload_for_owner(*, pending_id, user) -> PendingUpload:
    """A pending upload (the first step of adding a source), for its owner only: 404 for
    anyone else, as for one that does not exist."""
    if user is None or not user.is_authenticated:
        raise Http404
    pending = PendingUpload.objects.filter(pk=pending_id, owner=user).first()
    if pending is None:
        raise Http404
    return pending


def pending_uploads_of(*, user) -> list[PendingUpload]:
    """The owner's uploads waiting for their details, newest first, without the bytes."""
    if user is None or not user.is_authenticated:
        return []
    return list(PendingUpload.objects.filter(owner=user).defer("data").order_by("-created")[:20])


def document_status_for_user(*, document_id: int, user) -> Document:
    """Import status is shown to the uploader and the source's stewards only."""
    try:
        document = Document.objects.select_related("source", "base_document").get(pk=document_id)
    except Document.DoesNotExist as exc:
        raise Http404 from exc
    if not permissions.can_see_import(user, document):
        raise Http404
    return document
