"""Deciding versions (docs/moderation.md, "Source stewardship"): accept or reject a
proposal, withdraw a published version. Maintainers and moderators only; each writes one
audit row and settles the version's review item."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.moderation.models import AuditAction, Decision, ReviewItemType
from apps.moderation.services import audit_record, review_items_settle

from ..models import Document, DocumentStatus, Source
from .imports import current_version_changed
from .stewardship import _check_steward


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
    current_version_changed(document.pk)
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
        current_version_changed(now_current.pk)
    return document


def diff_url(document: Document, *, against: Document | None = None) -> str:
    """The page comparing ``document`` with ``against`` (default: the version it was
    proposed against, else the one before it)."""
    base = against or document.base_document
    url = reverse("sources:diff", kwargs={"slug": document.source.slug})
    if base is not None and base.version:
        return f"{url}?from={base.version}&to={document.version}"
    return f"{url}?to={document.version}"
