"""Review items closed outside the queue: the content was decided on its own page
(``review_items_settle``), or became its author's alone (``review_items_close_as_private``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AuditAction, Decision, ReviewItem, ReviewItemType, ReviewStatus
from ..registry import adapter_for
from .audit import audit_record
from .flags import flags_resolve
from .notices import notice_create


@transaction.atomic
def review_items_settle(
    *,
    target: models.Model,
    item_types,
    actor,
    decision: str,
    reason: str = "",
    notify: bool = True,
) -> list[ReviewItem]:
    """The content was decided outside the queue (a moderator published an entry on its
    own page, the author accepted a suggested edit): close its open items of
    ``item_types`` as ``decision``, with one audit row each, and tell the author as a
    queue decision would (never the actor themselves; nobody with ``notify=False``, for
    callers that send their own notice).

    No permission check: the calling service already allowed the decision. A claim by
    another moderator does not stop it (the content is decided; the claim is moot), and
    the audit row says the item was settled outside the queue. Returns the closed items.
    """
    content_type = ContentType.objects.get_for_model(target)
    items = list(
        ReviewItem.objects.select_for_update()
        .filter(
            content_type=content_type,
            object_id=str(target.pk),
            item_type__in=list(item_types),
            status=ReviewStatus.OPEN,
        )
        .order_by("pk")
    )
    reason = (reason or "").strip() or _("Decided on the content's own page.")
    adapter = adapter_for(target)
    state = adapter.state(target) if adapter is not None else {}
    for item in items:
        item.status = ReviewStatus.DECIDED
        item.decision = decision
        item.reason = reason
        item.decided_by = actor if actor is not None and actor.is_authenticated else None
        item.decided_at = timezone.now()
        item.save(update_fields=["status", "decision", "reason", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action=AuditAction.DECISION,
            target=item,
            reason=reason,
            before={"review_item": item.pk, "status": "open"},
            after={
                "review_item": item.pk,
                "status": "decided",
                "decision": decision,
                "target": state,
                "settled_outside_queue": True,
            },
        )
        if notify and item.author_id is not None and (actor is None or item.author_id != actor.pk):
            notice_create(recipient=item.author, item=item, decision=decision, reason=reason)
    return items


@transaction.atomic
def review_items_close_as_private(*, target: models.Model, reason: str) -> list[ReviewItem]:
    """``target`` became visible to its author alone (an annotation made private): no
    moderator may read it any more, so its open items of every type close now, as
    "hide" by the system (it is hidden from everyone else), with one audit row each and
    no notice. What the queue copied of the content (label, summary, snapshot) is
    replaced by the adapter's label, which for private content names no text, so neither
    the queue nor the log keeps it. Open flags on it are resolved as agreed: what they
    asked for (the content out of public view) happened. No permission check: the
    author's own service calls this. Returns the closed items."""
    content_type = ContentType.objects.get_for_model(target)
    items = list(
        ReviewItem.objects.select_for_update()
        .filter(content_type=content_type, object_id=str(target.pk), status=ReviewStatus.OPEN)
        .order_by("pk")
    )
    adapter = adapter_for(target)
    label = (adapter.label(target) if adapter is not None else "")[:300]
    for item in items:
        item.status = ReviewStatus.DECIDED
        item.decision = Decision.HIDE
        item.reason = reason
        item.decided_by = None
        item.decided_at = timezone.now()
        item.target_label = label
        item.summary = ""
        item.target_snapshot = None
        item.claimed_by = None
        item.claimed_at = None
        item.save()
        flags = {}
        if item.item_type == ReviewItemType.FLAG:
            flags = flags_resolve(item=item, agreed=True)
        audit_record(
            actor=None,
            action=AuditAction.DECISION,
            target=item,
            reason=reason,
            before={"review_item": item.pk, "status": "open"},
            after={
                "review_item": item.pk,
                "status": "decided",
                "decision": Decision.HIDE,
                "made_private": True,
                **flags,
            },
        )
    return items
