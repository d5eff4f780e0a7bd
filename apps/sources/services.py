"""Writes for sources. Every function here is the only way its change happens.

Import flow: source_create / document_upload (form, API or command) store the bytes and a
pending Document, then enqueue tasks.import_document on commit; the task calls
document_import, which extracts the text and, in one transaction, publishes the version
(a steward's upload) or files it as a proposal (anyone else's).

Stewardship (docs/moderation.md, "Source stewardship"; who may: permissions.py):
document_accept / document_reject decide a proposal, document_withdraw takes a published
version back, maintainer_add / maintainer_remove name the people who may do all that.
Each writes one audit row and settles the version's review item.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.moderation import permissions as moderation_permissions
from apps.moderation.models import AuditAction, Decision, ReviewItemType
from apps.moderation.services import audit_record, review_item_open, review_items_settle
from apps.moderation.throttles import check_write_rate
from apps.search.services import search_index_document

from . import permissions, selectors
from .importers import ImportRejected, extract, validate_upload
from .models import Document, DocumentStatus, DocumentUpload, Passage, Source, SourceMaintainer

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
        if document.is_proposal:
            transaction.on_commit(lambda: _open_review_item(document.pk))
            return document
        # Searchable in the same transaction in which it becomes readable.
        search_index_document(document_id=document.pk)
        source.current_document = document
        # The file fills empty fields of the record only on the upload that created the
        # source: a later version (a proposal above all) must not write into metadata
        # its uploader never typed.
        first_upload = not source.documents.filter(pk__lt=document.pk).exists()
        filled = _fill_from_file_metadata(source, extracted.metadata) if first_upload else []
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
    """After the commit that published an upload: tell the apps that follow the current
    version, then put an untrusted contributor's upload in the review queue."""
    _current_version_changed(document_id)
    _open_review_item(document_id)


def _current_version_changed(document_id: int) -> None:
    """Hook ``AppConfig.on_document_ready(document_id)``, called after commit whenever a
    version becomes its source's current version: a published import, an accepted
    proposal, or the version that is current again after a withdrawal (annotations
    re-anchor onto it). Never for a proposal."""
    from django.apps import apps

    for config in apps.get_app_configs():
        hook = getattr(config, "on_document_ready", None)
        if hook is not None:
            hook(document_id)


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


# --- Stewardship --------------------------------------------------------------------------


class CurrentVersionMoved(ValidationError):
    """A proposal was made against one version, and another has become current since.
    Accepting it would silently drop what changed in between, so the caller must say
    which current version they compared it with (``current_version``). A ValidationError
    keyed by ``current_version``, so callers that only know ValidationError still refuse;
    the page and the API answer 409 with the diff to read."""

    def __init__(self, *, document: Document, current: Document, base_version: int | None):
        self.document = document
        self.current = current
        self.base_version = base_version
        super().__init__(
            {
                "current_version": _(
                    "Version %(current)s became the current version after this proposal was "
                    "made (it was made against version %(base)s). Compare the proposal with "
                    "version %(current)s, then accept it again confirming that version."
                )
                % {"current": current.version, "base": base_version or "-"}
            }
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is shown to the people concerned and kept in the log.")}
        )
    return reason


def _lock(document: Document) -> tuple[Source, Document]:
    """The source and the version, locked in that order (every stewardship service takes
    them in this order, so two decisions on one source queue up instead of deadlocking)."""
    source = (
        Source.objects.select_for_update(of=("self",))
        .select_related("current_document")
        .get(pk=document.source_id)
    )
    document = Document.objects.select_for_update().get(pk=document.pk)
    document.source = source
    return source, document


def _check_steward(actor, source: Source, message: str) -> None:
    if not permissions.can_steward(actor, source):
        raise PermissionDenied(message)


def version_state(document: Document) -> dict:
    """A small snapshot for audit rows: the version's status and the source's current
    version."""
    current = document.source.current_document
    return {
        "version": document.version,
        "status": str(document.status),
        "current_version": current.version if current is not None else None,
    }


def _mark_decided(document: Document, *, status: str, actor, reason: str) -> None:
    document.status = status
    document.decided_by = actor if actor is not None and actor.is_authenticated else None
    document.decided_at = timezone.now()
    document.decision_reason = reason
    fields = ["status", "decided_by", "decided_at", "decision_reason"]
    if status == DocumentStatus.READY:
        document.published_at = document.decided_at
        fields.append("published_at")
    document.save(update_fields=fields)


@transaction.atomic
def document_accept(
    *,
    actor,
    document: Document,
    reason: str,
    current_version: int | None = None,
    settle_queue: bool = True,
) -> Document:
    """Publish a proposal: it becomes the source's current version, searchable, and the
    annotations re-anchor onto it (after commit). Maintainers and moderators only.

    If another version became current after the proposal was made, the caller must pass
    that version's number as ``current_version`` (the one they compared the proposal
    with), else CurrentVersionMoved (409). Writes an audit row (version_accept), settles
    the proposal's review item as published (its author is told), unless the moderation
    console is deciding it (``settle_queue=False``). Raises PermissionDenied and
    ValidationError (no reason; not a waiting proposal); nothing changes then.
    """
    source, document = _lock(document)
    _check_steward(
        actor, source, _("Only this source's maintainers and moderators can accept a version.")
    )
    reason = _require_reason(reason)
    _require_proposal(document)
    current = source.current_document
    moved = current is not None and current.pk != document.base_document_id
    if moved and current_version != current.version:
        base = document.base_document.version if document.base_document_id else None
        raise CurrentVersionMoved(document=document, current=current, base_version=base)
    before = version_state(document)
    _mark_decided(document, status=DocumentStatus.READY, actor=actor, reason=reason)
    source.current_document = document
    source.save(update_fields=["current_document", "modified"])
    search_index_document(document_id=document.pk)
    audit_record(actor=actor, action=AuditAction.VERSION_ACCEPT, target=document, reason=reason,
                 before=before, after=version_state(document))  # fmt: skip
    if settle_queue:
        review_items_settle(
            target=document,
            item_types=[ReviewItemType.PROPOSED_VERSION],
            actor=actor,
            decision=Decision.PUBLISH,
            reason=reason,
        )
    document_id = document.pk
    transaction.on_commit(lambda: _current_version_changed(document_id))
    return document


def _require_proposal(document: Document) -> None:
    if document.status != DocumentStatus.PROPOSED:
        raise ValidationError(
            {
                "document": _(
                    "Version %(version)s is not a proposal waiting for a decision: %(status)s."
                )
                % {"version": document.version, "status": document.get_status_display()}
            }
        )


@transaction.atomic
def document_reject(
    *, actor, document: Document, reason: str, settle_queue: bool = True
) -> Document:
    """Turn a proposal down. It keeps its number and stays readable to its author and
    the stewards, with the reason; nothing else changes. Maintainers and moderators only;
    audit row (version_reject); settles its review item (the author is told)."""
    source, document = _lock(document)
    _check_steward(
        actor, source, _("Only this source's maintainers and moderators can reject a version.")
    )
    reason = _require_reason(reason)
    _require_proposal(document)
    before = version_state(document)
    _mark_decided(document, status=DocumentStatus.REJECTED, actor=actor, reason=reason)
    audit_record(actor=actor, action=AuditAction.VERSION_REJECT, target=document, reason=reason,
                 before=before, after=version_state(document))  # fmt: skip
    if settle_queue:
        review_items_settle(
            target=document,
            item_types=[ReviewItemType.PROPOSED_VERSION],
            actor=actor,
            decision=Decision.REJECT,
            reason=reason,
        )
    return document


@transaction.atomic
def document_withdraw(
    *, actor, document: Document, reason: str, settle_queue: bool = True
) -> Document:
    """Take a published version back. If it was current, the version published before it
    becomes current again and the annotations re-anchor onto that one (after commit).
    Nothing is deleted: the withdrawn version stays readable to the stewards, with the
    reason. Maintainers and moderators only; audit row (version_withdraw); settles an
    open ``uploaded_source`` item on the version as rejected.

    Raises ValidationError for a version that is not published, or the only published
    version of its source (flag the source instead: moderators can hide it).
    """
    source, document = _lock(document)
    _check_steward(
        actor, source, _("Only this source's maintainers and moderators can withdraw a version.")
    )
    reason = _require_reason(reason)
    if document.status != DocumentStatus.READY:
        raise ValidationError(
            {
                "document": _(
                    "Only a published version can be withdrawn; version %(version)s is: %(status)s."
                )
                % {"version": document.version, "status": document.get_status_display()}
            }
        )
    others = source.documents.filter(status=DocumentStatus.READY).exclude(pk=document.pk)
    previous = others.order_by(F("published_at").desc(nulls_last=True), "-version").first()
    if previous is None:
        raise ValidationError(
            {
                "document": _(
                    "Version %(version)s is the only published version of this source, so it "
                    "cannot be withdrawn. To take the whole source down, flag it for the "
                    "moderators."
                )
                % {"version": document.version}
            }
        )
    before = version_state(document)
    _mark_decided(document, status=DocumentStatus.WITHDRAWN, actor=actor, reason=reason)
    now_current = None
    if source.current_document_id == document.pk:
        source.current_document = now_current = previous
        source.save(update_fields=["current_document", "modified"])
    audit_record(actor=actor, action=AuditAction.VERSION_WITHDRAW, target=document,
                 reason=reason, before=before, after=version_state(document))  # fmt: skip
    if settle_queue:
        review_items_settle(
            target=document,
            item_types=[ReviewItemType.UPLOADED_SOURCE],
            actor=actor,
            decision=Decision.REJECT,
            reason=reason,
        )
    if now_current is not None:
        current_id = now_current.pk
        transaction.on_commit(lambda: _current_version_changed(current_id))
    return document


def _maintainer_names(source: Source) -> list[str]:
    return list(
        SourceMaintainer.objects.filter(source=source)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )


def _find_user(username: str):
    username = (username or "").strip().lstrip("@")
    if not username:
        raise ValidationError({"username": _("Give the username of the person.")})
    users = get_user_model().objects.filter(is_active=True)
    user = (
        users.filter(username=username).first() or users.filter(username__iexact=username).first()
    )
    if user is None:
        raise ValidationError(
            {"username": _("There is no account named “%(name)s”.") % {"name": username[:150]}}
        )
    return user


@transaction.atomic
def maintainer_add(*, actor, source: Source, username: str, reason: str = "") -> SourceMaintainer:
    """Make the account ``username`` a maintainer of ``source``. Its maintainers and
    moderators may; audit row (maintainer_change) with the list before and after.
    Raises PermissionDenied and ValidationError (no such account; already one)."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    _check_steward(
        actor, source, _("Only this source's maintainers and moderators can name maintainers.")
    )
    user = _find_user(username)
    if SourceMaintainer.objects.filter(source=source, user=user).exists():
        raise ValidationError(
            {"username": _("%(name)s already maintains this source.") % {"name": user.username}}
        )
    before = _maintainer_names(source)
    maintainer = SourceMaintainer.objects.create(source=source, user=user, added_by=actor)
    permissions.forget_maintainers(user)
    audit_record(
        actor=actor,
        action=AuditAction.MAINTAINER_CHANGE,
        target=source,
        reason=(reason or "").strip() or _("Added %(name)s.") % {"name": user.username},
        before={"maintainers": before},
        after={"maintainers": _maintainer_names(source)},
    )
    return maintainer


@transaction.atomic
def maintainer_remove(*, actor, source: Source, username: str, reason: str = "") -> None:
    """Remove ``username`` from ``source``'s maintainers (a maintainer may step down).
    With no maintainer left, the moderators look after the source. Its maintainers and
    moderators may; audit row (maintainer_change). Raises PermissionDenied and
    ValidationError (not a maintainer)."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    _check_steward(
        actor, source, _("Only this source's maintainers and moderators can remove maintainers.")
    )
    user = _find_user(username)
    before = _maintainer_names(source)
    deleted, _rows = SourceMaintainer.objects.filter(source=source, user=user).delete()
    if not deleted:
        raise ValidationError(
            {"username": _("%(name)s does not maintain this source.") % {"name": user.username}}
        )
    permissions.forget_maintainers(user)
    permissions.forget_maintainers(actor)
    audit_record(
        actor=actor,
        action=AuditAction.MAINTAINER_CHANGE,
        target=source,
        reason=(reason or "").strip() or _("Removed %(name)s.") % {"name": user.username},
        before={"maintainers": before},
        after={"maintainers": _maintainer_names(source)},
    )


def diff_url(document: Document, *, against: Document | None = None) -> str:
    """The page comparing ``document`` with ``against`` (default: the version it was
    proposed against, else the one before it)."""
    base = against or document.base_document
    url = reverse("sources:diff", kwargs={"slug": document.source.slug})
    if base is not None and base.version:
        return f"{url}?from={base.version}&to={document.version}"
    return f"{url}?to={document.version}"
