"""Decisions on review items as small action objects (after Wagtail's wagtail/actions):
``check()`` says whether the decision may happen and why not; ``execute()`` re-checks
under a row lock and does it.

    action = decision_action("publish", item=item, actor=request.user, reason="Sourced",
                             version=3)
    action.execute()

Every decision: requires a reason; applies only to the version of the target the
moderator saw (``version``, default the item's recorded ``target_version``: if the
target moved on since, ``TargetChanged``, HTTP 409, with what changed, and nothing is
decided); asks the target's adapter to change the target;
closes the item; resolves its flags (flag items); writes one audit row with before/after;
tells the author (in the app, and by e-mail after commit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors, services
from .errors import ModerationConflict, TargetChanged
from .models import (
    ITEM_TYPE_DECISIONS,
    AuditAction,
    Decision,
    ReviewItem,
    ReviewItemType,
    ReviewStatus,
)
from .registry import adapter_for_content_type
from .services import queue as review_queue

#: Decisions that agree with the flags on a flag item (the content was a problem).
AGREES_WITH_FLAGS = frozenset({"reject", "hide", "spam", "request_changes"})


def decisions_for(item_type: str, adapter=None) -> tuple[str, ...]:
    """The decisions an item of ``item_type`` offers, in the queue's order; with the
    target's ``adapter``, only those it can carry out."""
    offered = ITEM_TYPE_DECISIONS.get(item_type, ())
    if adapter is None:
        return offered
    return tuple(d for d in offered if ACTIONS[d].adapter_method(adapter) in adapter.decisions)


class DecisionAction:
    decision: str = ""

    @classmethod
    def adapter_method(cls, adapter) -> str:
        """The adapter method that carries this decision out."""
        return cls.decision

    def __init__(self, *, item: ReviewItem, actor, reason: str, version: int | None = None):
        self.item = item
        self.actor = actor
        self.reason = (reason or "").strip()
        #: The target's version the moderator saw (None: the one the item recorded).
        self.version = version

    @property
    def label(self) -> str:
        return Decision(self.decision).label

    def check(self) -> None:
        """Raise PermissionDenied (403), ValidationError (400) or ModerationConflict (409)
        if this decision may not happen now; return None if it may."""
        review_queue._check_can_work(self.actor, self.item)
        if not self.reason:
            raise ValidationError(
                {"reason": _("Give a reason: the author sees it and the log keeps it.")}
            )
        adapter = adapter_for_content_type(self.item.content_type_id)
        offered = decisions_for(self.item.item_type, adapter)
        if self.decision not in offered:
            raise ValidationError(
                {
                    "decision": _(
                        "“%(decision)s” is not a decision for %(type)s: choose %(choices)s."
                    )
                    % {
                        "decision": self.label,
                        "type": self.item.get_item_type_display().lower(),
                        "choices": _(" or ").join(
                            f"“{Decision(choice).label}” ({choice})" for choice in offered
                        ),
                    }
                }
            )
        if adapter is not None and self.adapter_method(adapter) not in adapter.decisions:
            raise ValidationError(
                {
                    "decision": _("“%(decision)s” is not available for %(type)s.")
                    % {"decision": self.label, "type": self.item.get_item_type_display()}
                }
            )
        if self.item.status != ReviewStatus.OPEN:
            raise review_queue._decided_conflict(self.item)
        if self.item.claimed_by_id is not None and self.item.claimed_by_id != self.actor.pk:
            raise review_queue._claimed_conflict(self.item)

    def execute(self) -> ReviewItem:
        with transaction.atomic():
            # The lock makes the status check and the close one step: of two moderators
            # deciding at once, the second waits here and then sees the item decided.
            item = (
                ReviewItem.objects.select_for_update(of=("self",))
                .select_related("claimed_by", "decided_by", "content_type")
                .get(pk=self.item.pk)
            )
            self.item = item
            self.check()
            adapter = adapter_for_content_type(item.content_type_id)
            target = adapter.get(item.object_id) if adapter is not None else None
            reviewed_version = None
            if target is not None:
                target, reviewed_version = self._check_version(item, adapter, target)
            before = adapter.state(target) if target is not None else {}
            if target is not None:
                method = getattr(adapter, self.adapter_method(adapter))
                method(target, actor=self.actor, reason=self.reason)
            after = adapter.state(target) if target is not None else {}

            item.status = ReviewStatus.DECIDED
            item.decision = self.decision
            item.reason = self.reason
            item.decided_by = self.actor
            item.decided_at = timezone.now()
            item.save(update_fields=["status", "decision", "reason", "decided_by", "decided_at"])

            flags = {}
            if item.item_type == ReviewItemType.FLAG:
                flags = services.flags_resolve(item=item, agreed=self.decision in AGREES_WITH_FLAGS)
            services.audit_record(
                actor=self.actor,
                action=AuditAction.DECISION,
                target=item,
                reason=self.reason,
                before={"review_item": item.pk, "status": "open", "target": before},
                after={
                    "review_item": item.pk,
                    "status": "decided",
                    "decision": self.decision,
                    "target": after,
                    **flags,
                    **(
                        {"reviewed_version": reviewed_version}
                        if reviewed_version is not None
                        else {}
                    ),
                },
            )
            if self._should_notify(item):
                services.notice_create(
                    recipient=item.author, item=item, decision=self.decision, reason=self.reason
                )
        return item

    def _check_version(self, item: ReviewItem, adapter, target) -> tuple:
        """Lock the target and refuse the decision if it is no longer the version the
        moderator saw. Returns the target as locked and the version decided on (None for
        types without versions)."""
        if adapter.version(target) is None:
            return target, None
        target = adapter.lock(target)
        current = adapter.version(target)
        seen = self.version if self.version is not None else item.target_version
        if seen is None or seen == current:
            return target, current
        raise TargetChanged(
            _(
                "“%(label)s” changed since you opened it (you saw version %(seen)s; it is now "
                "version %(current)s). Nothing was decided: read the changes, then decide on "
                "the new version."
            )
            % {"label": item.target_label, "seen": seen, "current": current},
            seen_version=seen,
            current_version=current,
            changes=selectors.review_item_changes(item=item, adapter=adapter, target=target)[1],
        )

    def _should_notify(self, item: ReviewItem) -> bool:
        if item.author_id is None or item.author_id == self.actor.pk:
            return False
        # Flags the moderator disagreed with change nothing for the author: no news.
        return not (
            item.item_type == ReviewItemType.FLAG and self.decision not in AGREES_WITH_FLAGS
        )


class PublishAction(DecisionAction):
    decision = Decision.PUBLISH


class RequestChangesAction(DecisionAction):
    decision = Decision.REQUEST_CHANGES


class RejectAction(DecisionAction):
    decision = Decision.REJECT


class HideAction(DecisionAction):
    decision = Decision.HIDE


class RestoreAction(DecisionAction):
    decision = Decision.RESTORE


class SpamAction(DecisionAction):
    decision = Decision.SPAM


class KeepAction(DecisionAction):
    """Flagged content stays: shown again if the flags hid it pending review (the
    adapter's ``restore``, or ``publish`` for types that have no restore); the flags are
    rejected (not in AGREES_WITH_FLAGS) and the author hears nothing."""

    decision = Decision.KEEP

    @classmethod
    def adapter_method(cls, adapter) -> str:
        return "restore" if "restore" in adapter.decisions else "publish"


ACTIONS: dict[str, type[DecisionAction]] = {
    cls.decision.value: cls
    for cls in (
        PublishAction,
        RequestChangesAction,
        RejectAction,
        HideAction,
        RestoreAction,
        SpamAction,
        KeepAction,
    )
}


def decision_action(
    decision: str, *, item: ReviewItem, actor, reason: str, version: int | None = None
) -> DecisionAction:
    """The action object for ``decision``; ValidationError for an unknown decision."""
    try:
        cls = ACTIONS[decision]
    except KeyError:
        raise ValidationError(
            {
                "decision": _("Unknown decision “%(decision)s”. Choose one of: %(choices)s.")
                % {"decision": decision, "choices": ", ".join(ACTIONS)}
            }
        ) from None
    return cls(item=item, actor=actor, reason=reason, version=version)


def review_item_decide(
    *, actor, item: ReviewItem, decision: str, reason: str, version: int | None = None
) -> ReviewItem:
    """Decide one item, for the target's ``version`` the moderator saw (default: the
    version the item recorded). See DecisionAction for what it raises."""
    return decision_action(
        decision, item=item, actor=actor, reason=reason, version=version
    ).execute()


@dataclass
class BulkResult:
    decided: list[ReviewItem] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    #: Items whose content changed since the moderator saw it (also in ``failed``).
    changed: dict[int, TargetChanged] = field(default_factory=dict)


def review_items_decide(
    *,
    actor,
    item_ids: list[int],
    decision: str,
    reason: str,
    versions: Mapping[int, int] | None = None,
) -> BulkResult:
    """Apply one decision with one reason to several items, each for the target version
    the moderator saw (``versions``: item id → version; default the item's recorded
    one). Each item is decided in its own transaction: an item someone else holds or
    decided, or whose content changed since ("changed since you opened it", also in
    ``changed``), is reported in ``failed`` and does not undo the others. A missing
    reason or unknown decision fails the whole request before anything happens."""
    if decision not in ACTIONS:
        decision_action(decision, item=None, actor=actor, reason=reason)  # raises
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": _("Give a reason: the author sees it and the log keeps it.")}
        )
    result = BulkResult()
    items = ReviewItem.objects.filter(pk__in=item_ids).select_related("claimed_by", "decided_by")
    found = {item.pk: item for item in items}
    for item_id in item_ids:
        item = found.get(item_id)
        if item is None:
            result.failed.append((item_id, _("No such item.")))
            continue
        try:
            result.decided.append(
                review_item_decide(
                    actor=actor,
                    item=item,
                    decision=decision,
                    reason=reason,
                    version=(versions or {}).get(item_id),
                )
            )
        except TargetChanged as exc:
            result.changed[item_id] = exc
            result.failed.append((item_id, exc.message))
        except (PermissionDenied, ModerationConflict) as exc:
            result.failed.append((item_id, str(exc) or _("Not allowed.")))
        except ValidationError as exc:
            result.failed.append((item_id, " ".join(exc.messages)))
    return result
