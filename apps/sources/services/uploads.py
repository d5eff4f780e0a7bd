"""Uploads: a new source with its first version (``source_create``) or a new version of
a source (``document_upload``). Both store the bytes and a pending Document and publish
``source.uploaded``, whose subscriber (``sources/subscribers.py``) enqueues the import on
commit (``imports``)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common import events
from apps.common.throttles import check_write_rate

from .. import permissions, selectors
from ..importers import ImportRejected, validate_upload
from ..models import Document, DocumentUpload, Source, SourceMaintainer
from .metadata import SourceMetadata, _unique_slug, normalize_doi, suggest_slug, validate_doi

logger = logging.getLogger(__name__)


def _check_can_add(user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to add sources."))


def _check_upload_rate(*, user, client_ip: str | None, throttle: bool) -> None:
    """Uploads per account (fewer for accounts younger than a day) and per address, in
    the write throttles' windows (apps/common/throttles.py, kind "upload"); raises
    RateLimited (a PermissionDenied with ``retry_after``: 429 in pages and the API)."""
    if throttle:
        check_write_rate(kind="upload", user=user, ip=client_ip)


def _store_upload(
    *,
    source: Source,
    data: bytes,
    filename: str,
    user,
    is_proposal: bool = False,
    base_document_id: int | None = None,
) -> Document:
    try:
        import_format = validate_upload(data)
    except ImportRejected as exc:
        raise ValidationError({"file": exc.message}) from exc
    document = Document.objects.create(
        source=source,
        import_format=import_format,
        original_filename=filename[:255],
        created_by=user if user and user.is_authenticated else None,
        is_proposal=is_proposal,
        base_document_id=base_document_id,
    )
    DocumentUpload.objects.create(document=document, data=data, size=len(data))
    events.publish("source.uploaded", document_id=document.pk)
    return document


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
        published_on=metadata.published_on,
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
    # The uploader is the source's first maintainer.
    SourceMaintainer.objects.create(source=source, user=user, added_by=user)
    permissions.forget_maintainers(user)
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
    operator: bool = False,
) -> Document:
    """Upload a new version of an existing source.

    A steward's upload (a maintainer's or a moderator's) becomes the current version once
    imported; anyone else's becomes a *proposal* (``is_proposal``): imported the same
    way, but readable only by its author and the stewards until one of them accepts it.
    ``operator`` is for the ``import_source`` command only (the shell is trusted): the
    version is published whoever is recorded as its uploader. Rate-limited as
    source_create.

    Raises PermissionDenied (anonymous; a source hidden from the user), RateLimited and
    ValidationError (an unacceptable file); nothing is stored then.
    """
    _check_can_add(user)
    if not operator and not permissions.can_see_source(
        user, source, hidden=selectors.source_withheld(source)
    ):
        raise PermissionDenied(_("This source is not available."))
    _check_upload_rate(user=user, client_ip=client_ip, throttle=throttle)
    is_proposal = not operator and not permissions.can_steward(user, source)
    # The current version as stored now (the caller's instance may be older).
    current_id = Source.objects.filter(pk=source.pk).values_list("current_document", flat=True)[0]
    return _store_upload(
        source=source,
        data=data,
        filename=filename,
        user=user,
        is_proposal=is_proposal,
        base_document_id=current_id if is_proposal else None,
    )
