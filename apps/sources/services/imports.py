"""Imports: extracting an upload's text into a version (``document_import``, run by
``tasks.import_document``), published or filed as a proposal; failures, the worker giving
up, the sweep for stalled imports; and what happens after a version is ready (the
``source.version_ready`` event, the review item an upload needs)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import events, http_cache
from apps.moderation import permissions as moderation_permissions
from apps.moderation.models import ReviewItemType
from apps.moderation.services import review_item_open

from ..importers import ImportRejected, extract
from ..models import Document, DocumentStatus, DocumentUpload, Passage, Source
from .metadata import _fill_from_file_metadata

logger = logging.getLogger(__name__)

STALLED_AFTER = timedelta(minutes=15)
MAX_IMPORT_ATTEMPTS = 3


def document_import(*, document_id: int) -> Document:
    """Extract and publish (or file as a proposal) one pending document. Idempotent: an
    imported or failed document is returned unchanged, so a redelivered task does
    nothing twice.

    The passages and the version number appear in one transaction: readers see either
    no new version or a complete one. A proposal gets its number and passages there
    too, but nothing else happens: it is not current, not searchable, fills no metadata
    and tells no other app (no re-anchoring) until it is accepted.
    """
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.is_imported or document.status == DocumentStatus.FAILED:
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
        document.status = DocumentStatus.PROPOSED if document.is_proposal else DocumentStatus.READY
        document.error = ""
        document.import_finished = timezone.now()
        if not document.is_proposal:
            document.published_at = document.import_finished
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
        http_cache.invalidate(Passage)  # bulk_create sends no signal
        if document.is_proposal:
            transaction.on_commit(lambda: _open_review_item(document.pk))
            return document
        source.current_document = document
        # The file fills empty fields of the record only on the upload that created the
        # source: a later version (a proposal above all) must not write into metadata
        # its uploader never typed.
        first_upload = not source.documents.filter(pk__lt=document.pk).exists()
        filled = _fill_from_file_metadata(source, extracted.metadata) if first_upload else []
        if filled:
            source._change_reason = "Filled from the file: " + ", ".join(filled)
        source.save(update_fields=["current_document", "modified", *filled])
        current_version_changed(document.pk)
        document_id = document.pk
        transaction.on_commit(lambda: _open_review_item(document_id))
    return document


def current_version_changed(document_id: int) -> None:
    """Inside the transaction that made ``document_id`` its source's current version (a
    published import, an accepted proposal, the version current again after a
    withdrawal; never a proposal): publish ``source.version_ready`` (annotations
    re-anchor onto it)."""
    events.publish("source.version_ready", document_id=document_id)


def _open_review_item(document_id: int) -> None:
    """After commit; a queue hiccup must not undo the import, so it is logged only."""
    try:
        review_item_for_upload(document_id=document_id)
    except Exception:  # noqa: BLE001 - the import committed; the queue is secondary
        logger.exception("Could not queue document %s for review", document_id)


def review_item_for_upload(*, document_id: int):
    """Open the review item an imported upload needs, or none. Idempotent (one open item
    per type and target).

    - A proposal: ``proposed_version`` on the version, whoever proposed it; its link is
      the diff against the version it was proposed for.
    - A published upload by a signed-in contributor who is neither staff nor trusted
      (docs/moderation.md): the upload that created the source puts the *source* in the
      queue as ``uploaded_source`` (rejecting it hides the source); a later version goes
      in as ``uploaded_source`` on that *version* (rejecting it withdraws the version).
    """
    document = (
        Document.objects.select_related("source", "created_by").filter(pk=document_id).first()
    )
    if document is None or document.created_by is None:
        return None
    uploader = document.created_by
    names = {"user": uploader.get_username(), "version": document.version}
    if document.status == DocumentStatus.PROPOSED:
        base = document.base_document.version if document.base_document_id else None
        summary = (
            _("Version %(version)s proposed by %(user)s, against version %(base)s.")
            if base
            else _("Version %(version)s proposed by %(user)s.")
        ) % {**names, "base": base}
        # The item records the version's number and snapshot (the adapter's version()).
        return review_item_open(
            item_type=ReviewItemType.PROPOSED_VERSION, target=document, summary=summary
        )
    if document.status != DocumentStatus.READY:
        return None
    if uploader.is_staff or moderation_permissions.is_trusted(uploader):
        return None
    if not document.source.documents.filter(pk__lt=document.pk).exists():
        return review_item_open(
            item_type=ReviewItemType.UPLOADED_SOURCE,
            target=document.source,
            summary=_("New source uploaded by %(user)s.") % names,
        )
    return review_item_open(
        item_type=ReviewItemType.UPLOADED_SOURCE,
        target=document,
        summary=_(
            "Version %(version)s uploaded by %(user)s, a maintainer, and published at once; "
            "rejecting it withdraws this version."
        )
        % names,
    )


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
    failed with ``message``; a version imported meanwhile (published or proposed) is left
    alone."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.is_imported or document.status == DocumentStatus.FAILED:
            return document
    return _document_fail(document_id, message)


def document_retry_stalled(*, send: Callable[[int], object], now=None) -> list[int]:
    """Documents still pending or processing long after upload lost their job (broker
    down, worker killed): ``send(document_id)`` them again (the sweep task passes its
    import task's ``delay``; the first failure to send ends the sweep until the next
    beat). Returns the ids sent."""
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
        http_cache.update_and_invalidate(
            Document.objects.filter(pk=pk), status=DocumentStatus.PENDING
        )
        try:
            send(pk)
        except Exception:  # noqa: BLE001 - broker still down: the next sweep tries again
            logger.exception("Sweep could not enqueue document %s", pk)
            break
        sent.append(pk)
    return sent
