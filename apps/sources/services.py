"""Writes for sources. Every function here is the only way its change happens.

Import flow: source_create / document_upload (form or command) store the bytes and a
pending Document, then enqueue tasks.import_document on commit; the task calls
document_import, which extracts and publishes the version atomically.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.moderation.throttles import check_write_rate
from apps.search.services import search_index_document

from .importers import ImportRejected, extract, validate_upload
from .models import Document, DocumentStatus, DocumentUpload, Passage, Source

logger = logging.getLogger(__name__)

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
STALLED_AFTER = timedelta(minutes=15)
MAX_IMPORT_ATTEMPTS = 3


def normalize_doi(value: str) -> str:
    value = (value or "").strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    return value


def validate_doi(value: str) -> None:
    if value and not DOI_PATTERN.match(value):
        raise ValidationError(
            {"doi": _("A DOI looks like 10.1234/abcd (it starts with “10.” and has a slash).")}
        )


@dataclass(frozen=True)
class SourceMetadata:
    title: str
    authors: list[str]
    year: int | None = None
    venue: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""
    doi: str = ""
    url: str = ""
    licence: str = ""
    licence_url: str = ""
    source_type: str = "paper"
    language: str = "en"
    abstract: str = ""
    slug: str = ""


def _unique_slug(base: str) -> str:
    base = slugify(base)[:100] or "source"
    slug = base
    counter = 2
    while Source.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def suggest_slug(metadata: SourceMetadata) -> str:
    first_author = (metadata.authors[0].split()[-1] if metadata.authors else "") or ""
    parts = [first_author, str(metadata.year or ""), " ".join(metadata.title.split()[:5])]
    return slugify(" ".join(p for p in parts if p))[:100]


def _check_can_add(user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to add sources."))


def _check_upload_rate(*, user, client_ip: str | None, throttle: bool) -> None:
    """Uploads per account (fewer for accounts younger than a day) and per address, in
    the write throttles' windows (apps/moderation/throttles.py, kind "upload"); raises
    RateLimited (a PermissionDenied with ``retry_after``: 429 in pages and the API)."""
    if throttle:
        check_write_rate(kind="upload", user=user, ip=client_ip)


def _store_upload(*, source: Source, data: bytes, filename: str, user) -> Document:
    try:
        import_format = validate_upload(data)
    except ImportRejected as exc:
        raise ValidationError({"file": exc.message}) from exc
    document = Document.objects.create(
        source=source,
        import_format=import_format,
        original_filename=filename[:255],
        created_by=user if user and user.is_authenticated else None,
    )
    DocumentUpload.objects.create(document=document, data=data, size=len(data))
    _enqueue_import(document.pk)
    return document


def _enqueue_import(document_id: int) -> None:
    def send() -> None:
        from .tasks import import_document

        try:
            import_document.delay(document_id)
        except Exception:  # noqa: BLE001 - broker down must not fail the user's upload
            logger.exception(
                "Could not enqueue import of document %s; the sweep will.", document_id
            )

    transaction.on_commit(send)


@transaction.atomic
def source_create(
    *,
    user,
    metadata: SourceMetadata,
    data: bytes,
    filename: str = "",
    client_ip: str | None = None,
    throttle: bool = True,
) -> Source:
    """Create a source and its first (pending) version from uploaded bytes.

    Raises ValidationError (nothing stored) for bad metadata or an unacceptable file,
    PermissionDenied for anonymous users, RateLimited past the upload rate of the
    account or of ``client_ip`` (pass the request's; ``throttle=False`` only for
    operators' tools such as the import_source command).
    """
    _check_can_add(user)
    _check_upload_rate(user=user, client_ip=client_ip, throttle=throttle)
    doi = normalize_doi(metadata.doi)
    validate_doi(doi)
    slug = metadata.slug or _unique_slug(suggest_slug(metadata))
    if metadata.slug and Source.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("A source with this slug already exists.")})
    source = Source(
        slug=slug,
        title=metadata.title.strip(),
        authors=[a.strip() for a in metadata.authors if a.strip()],
        year=metadata.year,
        venue=metadata.venue,
        volume=metadata.volume,
        issue=metadata.issue,
        pages=metadata.pages,
        publisher=metadata.publisher,
        doi=doi,
        url=metadata.url,
        licence=metadata.licence,
        licence_url=metadata.licence_url,
        source_type=metadata.source_type,
        language=metadata.language or "en",
        abstract=metadata.abstract,
        added_by=user,
    )
    source.full_clean()
    source.save()
    _store_upload(source=source, data=data, filename=filename, user=user)
    return source


@transaction.atomic
def document_upload(
    *,
    user,
    source: Source,
    data: bytes,
    filename: str = "",
    client_ip: str | None = None,
    throttle: bool = True,
) -> Document:
    """Upload a new version of an existing source (becomes version n+1 when ready).
    Rate-limited as source_create."""
    _check_can_add(user)
    _check_upload_rate(user=user, client_ip=client_ip, throttle=throttle)
    return _store_upload(source=source, data=data, filename=filename, user=user)


def document_import(*, document_id: int) -> Document:
    """Extract and publish one pending document. Idempotent: a ready or failed document
    is returned unchanged, so a redelivered task does nothing twice.

    The passages and the version number appear in one transaction: readers see either
    no new version or a complete one.
    """
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status in (DocumentStatus.READY, DocumentStatus.FAILED):
            return document
        document.status = DocumentStatus.PROCESSING
        document.import_started = timezone.now()
        document.attempts += 1
        document.save(update_fields=["status", "import_started", "attempts"])
    data = bytes(DocumentUpload.objects.get(document_id=document_id).data)

    try:
        extracted = extract(data)
    except ImportRejected as exc:
        return _document_fail(document_id, exc.message)
    except Exception:  # noqa: BLE001 - any importer crash becomes a readable failure
        logger.exception("Import of document %s crashed", document_id)
        return _document_fail(
            document_id, _("The file could not be imported because of an internal error.")
        )

    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=document.source_id)
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status != DocumentStatus.PROCESSING:
            return document
        latest = source.documents.aggregate(latest=Max("version"))["latest"] or 0
        document.text = extracted.text
        document.front_matter = extracted.front_matter
        document.content_hash = extracted.content_hash
        document.import_format = extracted.import_format
        document.version = latest + 1
        document.status = DocumentStatus.READY
        document.error = ""
        document.import_finished = timezone.now()
        document.save()
        Passage.objects.bulk_create(
            Passage(
                document=document,
                order=spec.order,
                kind=spec.kind,
                section=spec.section[:500],
                text=spec.text,
                start=spec.start,
                end=spec.end,
                anchor=spec.anchor,
            )
            for spec in extracted.passages
        )
        # Searchable in the same transaction in which it becomes readable.
        search_index_document(document_id=document.pk)
        source.current_document = document
        filled = _fill_from_file_metadata(source, extracted.metadata)
        if filled:
            source._change_reason = "Filled from the file: " + ", ".join(filled)
        source.save(update_fields=["current_document", "modified", *filled])
        transaction.on_commit(lambda: _after_version_ready(document.pk))
    return document


# Source fields an imported file may fill when the uploader left them empty, and the
# metadata keys (Markdown front matter, lower-cased; trafilatura's HTML metadata) that
# hold them, in order of preference. Title and authors are required on upload.
FILE_METADATA_FIELDS = {
    "year": ("year", "date"),
    "venue": ("venue", "journal", "sitename"),
    "volume": ("volume",),
    "issue": ("issue",),
    "pages": ("pages",),
    "publisher": ("publisher",),
    "doi": ("doi",),
    "url": ("url",),
    "licence": ("licence", "license"),
    "licence_url": ("licence_url", "license_url"),
    "abstract": ("abstract", "description", "summary"),
}
_YEAR = re.compile(r"\b(1[0-9]{3}|2[0-9]{3})\b")


def _fill_from_file_metadata(source: Source, metadata: dict) -> list[str]:
    """Fill the source's empty fields from the file's own metadata, never overwriting
    what the uploader typed; a value that would not pass the field's validation (a
    malformed DOI or URL, a future year, too long) is left out rather than stored.
    Returns the names of the fields filled."""
    filled = []
    for name, keys in FILE_METADATA_FIELDS.items():
        if getattr(source, name) not in (None, ""):
            continue
        raw = next(
            (str(metadata[k]).strip() for k in keys if str(metadata.get(k) or "").strip()), ""
        )
        if not raw:
            continue
        value: object = raw
        if name == "year":
            match = _YEAR.search(raw)
            value = int(match.group(1)) if match else None
        elif name == "doi":
            value = normalize_doi(raw)
            if not DOI_PATTERN.match(value):
                continue
        try:
            value = Source._meta.get_field(name).clean(value, source)
        except ValidationError:
            continue
        if value in (None, ""):
            continue
        setattr(source, name, value)
        filled.append(name)
    return filled


def _after_version_ready(document_id: int) -> None:
    """Hook for apps that follow new versions (annotation re-anchoring)."""
    from django.apps import apps

    for config in apps.get_app_configs():
        hook = getattr(config, "on_document_ready", None)
        if hook is not None:
            hook(document_id)


def _document_fail(document_id: int, message: str) -> Document:
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        document.status = DocumentStatus.FAILED
        document.error = message
        document.import_finished = timezone.now()
        document.save(update_fields=["status", "error", "import_finished"])
    return document


def document_import_abandon(*, document_id: int, message: str) -> Document:
    """An import the worker gave up on (its time limit: tasks.ImportTask.on_failure) ends
    failed with ``message``; a version that became ready meanwhile is left alone."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status in (DocumentStatus.READY, DocumentStatus.FAILED):
            return document
    return _document_fail(document_id, message)


def document_retry_stalled(*, now=None) -> list[int]:
    """Documents still pending or processing long after upload lost their job (broker
    down, worker killed): send them again. Returns the ids re-enqueued."""
    now = now or timezone.now()
    cutoff = now - STALLED_AFTER
    # A processing import is judged by when it started (the task's hard limit is six
    # minutes, so one older than the cutoff died with its worker), a pending one by
    # when it was uploaded.
    stalled = Document.objects.filter(
        Q(status=DocumentStatus.PENDING, created__lt=cutoff)
        | Q(status=DocumentStatus.PROCESSING, import_started__lt=cutoff)
    ).values_list("pk", "attempts")
    sent = []
    for pk, attempts in stalled:
        if attempts >= MAX_IMPORT_ATTEMPTS:
            _document_fail(pk, _("The import did not finish after several attempts."))
            continue
        Document.objects.filter(pk=pk).update(status=DocumentStatus.PENDING)
        from .tasks import import_document

        try:
            import_document.delay(pk)
        except Exception:  # noqa: BLE001 - broker still down: the next sweep tries again
            logger.exception("Sweep could not enqueue document %s", pk)
            break
        sent.append(pk)
    return sent
