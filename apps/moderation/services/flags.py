"""Flags: anyone signed in reports content; flags on one target share a review item
whose priority is the sum of their scores (each flagger's weight), and the target is
hidden pending review when it reaches MODERATION_FLAG_HIDE_SCORE."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..models import AuditAction, Flag, FlagReason, FlagStatus, ReviewItem, ReviewItemType
from ..registry import adapter_for
from .audit import audit_record
from .queue import _items_follow_system_change, review_item_open


def flagger_weight(user) -> float:
    """How much one flag by ``user`` counts, after Discourse's reviewable scores: 1, plus 1
    for trusted contributors, plus an accuracy bonus once they have had more than
    MODERATION_FLAG_ACCURACY_MIN_FLAGS flags decided. Accuracy above 60% agreed raises
    the weight (up to +log4(n)), below lowers it; never under 0.1, so a habitual false
    flagger is nearly ignored but still heard."""
    weight = 1.0 + (1.0 if permissions.is_trusted(user) else 0.0)
    counts = Flag.objects.filter(
        flagger=user, status__in=[FlagStatus.AGREED, FlagStatus.REJECTED]
    ).aggregate(
        agreed=models.Count("pk", filter=models.Q(status=FlagStatus.AGREED)),
        total=models.Count("pk"),
    )
    total = counts["total"]
    if total > getattr(settings, "MODERATION_FLAG_ACCURACY_MIN_FLAGS", 5):
        import math

        axis = 0.6
        accuracy = counts["agreed"] / total
        if accuracy >= axis:
            direction = (accuracy - axis) / (1 - axis)
        else:
            direction = -(axis - accuracy) / axis
        weight += direction * math.log(total, 4)
    return round(max(weight, 0.1), 2)


def flag_hide_score() -> float:
    return float(getattr(settings, "MODERATION_FLAG_HIDE_SCORE", 3.0))


def _flag_summary(item: ReviewItem) -> str:
    counts = (
        Flag.objects.filter(review_item=item, status=FlagStatus.OPEN)
        .values("reason")
        .annotate(n=models.Count("pk"))
        .order_by("-n", "reason")
    )
    reasons = ", ".join(f"{FlagReason(row['reason']).label} ×{row['n']}" for row in counts)
    total = sum(row["n"] for row in counts)
    return _("%(count)d open flag(s): %(reasons)s") % {"count": total, "reasons": reasons}


@transaction.atomic
def flag_create(*, flagger, target: models.Model, reason: str, text: str = "") -> Flag:
    """``flagger`` reports ``target``. Joins (or opens) the target's flag review item,
    whose priority is the sum of its open flags' scores; when that sum first reaches
    MODERATION_FLAG_HIDE_SCORE the target is hidden pending review (audited, actor None).

    Raises PermissionDenied (not signed in) and ValidationError (type not flaggable,
    own content, an open flag by the same user on the same target, bad reason/text).
    """
    if not permissions.can_flag(flagger):
        raise PermissionDenied(_("Sign in to flag content."))
    adapter = adapter_for(target)
    if adapter is None or not adapter.flaggable:
        raise ValidationError({"target": _("This kind of content cannot be flagged.")})
    if not adapter.is_visible_to(target, flagger):
        raise ValidationError({"target": _("This content does not exist.")})
    author = adapter.author(target)
    if author is not None and author.pk == flagger.pk:
        raise ValidationError({"target": _("You cannot flag your own content.")})
    text = (text or "").strip()
    if reason == FlagReason.OTHER and not text:
        raise ValidationError({"text": _("Say what is wrong when the reason is “Other”.")})
    content_type = ContentType.objects.get_for_model(target)
    if Flag.objects.filter(
        content_type=content_type,
        object_id=str(target.pk),
        flagger=flagger,
        status=FlagStatus.OPEN,
    ).exists():
        raise ValidationError(
            {"target": _("You have already flagged this; a moderator will look at it.")}
        )
    flag = Flag(
        content_type=content_type,
        object_id=str(target.pk),
        flagger=flagger,
        reason=reason,
        text=text,
        score=flagger_weight(flagger),
    )
    flag.full_clean(exclude=["review_item"], validate_constraints=False)

    item = review_item_open(item_type=ReviewItemType.FLAG, target=target)
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    flag.review_item = item
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        raise ValidationError(
            {"target": _("You have already flagged this; a moderator will look at it.")}
        ) from None

    previous = item.priority
    item.priority = round(
        Flag.objects.filter(review_item=item, status=FlagStatus.OPEN).aggregate(
            total=models.Sum("score")
        )["total"]
        or 0.0,
        2,
    )
    item.summary = _flag_summary(item)
    item.save(update_fields=["priority", "summary"])

    threshold = flag_hide_score()
    if previous < threshold <= item.priority:
        before = adapter.state(target)
        version_before = adapter.version(target)
        adapter.hide_pending_review(target)
        _items_follow_system_change(adapter, target, version_before, locked_item=item)
        audit_record(
            actor=None,
            action=AuditAction.HIDE,
            target=item,
            reason=_("Flags reached a score of %(score)s (threshold %(threshold)s).")
            % {"score": item.priority, "threshold": threshold},
            before={"review_item": item.pk, "target": before},
            after={"review_item": item.pk, "target": adapter.state(target)},
        )
    return flag


def flags_resolve(*, item: ReviewItem, agreed: bool) -> dict:
    """Close the open flags of a decided flag item as agreed or rejected. Internal:
    called by the decision action inside its transaction; returns counts for its audit
    row."""
    status = FlagStatus.AGREED if agreed else FlagStatus.REJECTED
    count = Flag.objects.filter(review_item=item, status=FlagStatus.OPEN).update(
        status=status, resolved_at=timezone.now()
    )
    return {"flags": {"resolved_as": str(status), "count": count}}
