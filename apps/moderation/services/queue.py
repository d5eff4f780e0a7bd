"""The review queue: items opened by other apps' services (one open item per type and
target), refreshed when their content changes, claimed and released by moderators.
Decisions are the action objects in actions.py; items closed outside the queue are in
``settling``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import http_cache

from .. import permissions
from ..errors import ModerationConflict
from ..models import AuditAction, ReviewItem, ReviewItemType, ReviewStatus
from ..registry import adapter_for
from .audit import _json_safe, audit_record

DEFAULT_TYPE_PRIORITY = {
    ReviewItemType.SUBMITTED_ENTRY: 2.0,
    ReviewItemType.POST_REVIEW_EDIT: 1.0,
    ReviewItemType.SUGGESTED_EDIT: 1.0,
    ReviewItemType.UPLOADED_SOURCE: 1.0,
    ReviewItemType.PROPOSED_VERSION: 1.0,
    ReviewItemType.ORPHANED_ANNOTATION: 0.5,
    ReviewItemType.PENDING_ANNOTATION: 1.0,
    ReviewItemType.FLAG: 0.0,  # flags bring their own scores
}


def type_priority(item_type: str) -> float:
    configured = getattr(settings, "MODERATION_TYPE_PRIORITY", {})
    return float(configured.get(item_type, DEFAULT_TYPE_PRIORITY.get(item_type, 1.0)))


def _open_item_for(item_type: str, target: models.Model):
    return ReviewItem.objects.filter(
        item_type=item_type,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        status=ReviewStatus.OPEN,
    )


def _target_fields(adapter, target: models.Model) -> dict:
    """What a review item copies from its target so the queue needs no target to list it."""
    author = adapter.author(target)
    return {
        "target_label": adapter.label(target)[:300],
        "target_url": (adapter.url(target) or "")[:500],
        "author_id": author.pk if author is not None and author.pk else None,
        "country": (adapter.country(target) or "").upper() or None,
        "category": adapter.category(target) or None,
    }


def _refresh_item(item: ReviewItem, fields: dict) -> None:
    changed = [name for name, value in fields.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, fields[name])
    if changed:
        item.save(update_fields=changed)


@transaction.atomic
def review_item_open(*, item_type: str, target: models.Model, summary: str = "") -> ReviewItem:
    """Put ``target`` in the queue as ``item_type``, or return its already-open item of
    that type (at most one per type and target; a constraint backs this up).

    A new item records the target's version and snapshot (``adapter.version`` and
    ``adapter.snapshot``): what the moderator reviews, and so what a decision applies to.
    An item already open keeps them (the queue shows what changed since), but its label,
    link, country and category follow the target.

    Called by other apps' services after a write that needs review (submission, edit of a
    published entry, orphaned annotation) and by ``flag_create``. No permission check:
    the caller already allowed the write. Raises ValueError if ``target``'s type has no
    adapter registered.
    """
    adapter = adapter_for(target)
    if adapter is None:
        raise ValueError(f"No moderation adapter is registered for {type(target).__name__}.")
    fields = _target_fields(adapter, target)
    existing = _open_item_for(item_type, target).first()
    if existing is not None:
        _refresh_item(existing, fields)
        return existing
    version = adapter.version(target)
    item = ReviewItem(
        item_type=item_type,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        summary=summary,
        priority=type_priority(item_type),
        target_version=version,
        target_snapshot=_json_safe(adapter.snapshot(target)) if version is not None else None,
        **fields,
    )
    item.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # Opened concurrently by another request: the partial unique constraint kept one.
        return _open_item_for(item_type, target).get()
    return item


@transaction.atomic
def review_items_refresh(*, targets) -> int:
    """The content changed (its author edited or resubmitted it): the open items about
    ``targets`` take its new label, link, country and category, so the queue lists it
    as it now reads and the right (country) moderators see it. What the items record as
    reviewed (version, snapshot) stays: the queue shows the change against it, and a
    decision made on the old version is refused. Returns how many items changed.

    No permission check: called by the content's own services, *after* their write
    committed (``transaction.on_commit``): it locks the items, and a queue decision
    locks an item before its content, so calling it while holding the content's row
    lock could deadlock with one."""
    by_type: dict[int, dict[str, models.Model]] = {}
    for target in targets:
        content_type = ContentType.objects.get_for_model(target)
        by_type.setdefault(content_type.pk, {})[str(target.pk)] = target
    refreshed = 0
    for content_type_id, objects in by_type.items():
        items = ReviewItem.objects.select_for_update().filter(
            content_type_id=content_type_id,
            object_id__in=list(objects),
            status=ReviewStatus.OPEN,
        )
        for item in items:
            target = objects[item.object_id]
            adapter = adapter_for(target)
            if adapter is None:
                continue
            before = (item.target_label, item.target_url, item.country, item.category)
            _refresh_item(item, _target_fields(adapter, target))
            refreshed += before != (
                item.target_label, item.target_url, item.country, item.category,
            )  # fmt: skip
    return refreshed


def _items_follow_system_change(
    adapter, target: models.Model, version_before, *, locked_item: ReviewItem
) -> None:
    """Moderation itself moved the target's version without changing what is reviewed
    (flags hid it pending review): open items that were up to date follow the new
    version, so a moderator's decision is not refused for it. Items already behind keep
    what they recorded (their moderator has not seen the author's change yet).

    ``locked_item`` (the flag item, locked by the caller) follows at once; the target's
    other items after commit, in their own transaction: locking them here, after the
    target, would take locks in the opposite order to a queue decision (item, then
    target) and could deadlock with one."""
    version_after = adapter.version(target)
    if version_before is None or version_after == version_before:
        return
    snapshot = _json_safe(adapter.snapshot(target))
    if locked_item.target_version == version_before:
        locked_item.target_version = version_after
        locked_item.target_snapshot = snapshot
        locked_item.save(update_fields=["target_version", "target_snapshot"])
    others = ReviewItem.objects.filter(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        status=ReviewStatus.OPEN,
        target_version=version_before,
    ).exclude(pk=locked_item.pk)
    transaction.on_commit(
        lambda: http_cache.update_and_invalidate(
            others, target_version=version_after, target_snapshot=snapshot
        )
    )


def _check_can_work(actor, item: ReviewItem) -> None:
    if not permissions.can_view_queue(actor):
        raise PermissionDenied(_("Only moderators can work the review queue."))
    if not permissions.can_work_item(actor, item):
        raise PermissionDenied(
            _("This item is outside the countries you moderate.")
            if item.country
            else _("Only global moderators can act on items without a country.")
        )


def _holder_name(item: ReviewItem) -> str:
    return item.claimed_by.get_username() if item.claimed_by else _("someone")


def _decided_conflict(item: ReviewItem) -> ModerationConflict:
    return ModerationConflict(
        _("This item was already decided (%(decision)s) by %(user)s at %(time)s.")
        % {
            "decision": item.get_decision_display(),
            "user": item.decided_by.get_username() if item.decided_by else _("someone"),
            "time": timezone.localtime(item.decided_at).strftime("%Y-%m-%d %H:%M"),
        }
    )


def _claimed_conflict(item: ReviewItem) -> ModerationConflict:
    return ModerationConflict(
        _("%(user)s claimed this item at %(time)s; it is theirs until they decide or release it.")
        % {
            "user": _holder_name(item),
            "time": timezone.localtime(item.claimed_at).strftime("%Y-%m-%d %H:%M"),
        }
    )


@transaction.atomic
def review_item_claim(*, actor, item: ReviewItem) -> ReviewItem:
    """Claim ``item`` for ``actor`` so other moderators leave it alone.

    Atomic: one conditional UPDATE (``WHERE claimed_by IS NULL AND status = 'open'``), so
    of two moderators claiming at once exactly one wins. Claiming an item one already
    holds returns it unchanged. Raises PermissionDenied (not a moderator, out of scope)
    and ModerationConflict (held by someone else, or already decided).
    """
    _check_can_work(actor, item)
    claimed = http_cache.update_and_invalidate(
        ReviewItem.objects.filter(pk=item.pk, status=ReviewStatus.OPEN, claimed_by__isnull=True),
        claimed_by=actor,
        claimed_at=timezone.now(),
    )
    item.refresh_from_db()
    if not claimed:
        if item.status != ReviewStatus.OPEN:
            raise _decided_conflict(item)
        if item.claimed_by_id == actor.pk:
            return item
        raise _claimed_conflict(item)
    audit_record(actor=actor, action=AuditAction.CLAIM, target=item,
                 after={"review_item": item.pk, "claimed_by": actor.get_username()})  # fmt: skip
    return item


@transaction.atomic
def review_item_release(*, actor, item: ReviewItem) -> ReviewItem:
    """Give a claimed item back to the queue. The holder may release it; an admin may
    release anyone's (a moderator who left for the day)."""
    _check_can_work(actor, item)
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ReviewStatus.OPEN:
        raise _decided_conflict(item)
    if item.claimed_by_id is None:
        raise ModerationConflict(_("Nobody has claimed this item."))
    if item.claimed_by_id != actor.pk and not permissions.is_admin(actor):
        raise _claimed_conflict(item)
    before = {"review_item": item.pk, "claimed_by": _holder_name(item)}
    item.claimed_by = None
    item.claimed_at = None
    item.save(update_fields=["claimed_by", "claimed_at"])
    audit_record(actor=actor, action=AuditAction.RELEASE, target=item, before=before,
                 after={"review_item": item.pk, "claimed_by": None})  # fmt: skip
    return item
