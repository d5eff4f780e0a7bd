"""What the moderation app does when an event is published (``apps/common/events.py``);
connected from ``ModerationConfig.ready``. Services publish; the jobs that follow are
chosen here, so services never import tasks (tasks call services)."""

from __future__ import annotations

import logging

from apps.common import events

from .registry import UnknownTargetType, get_adapter
from .services import review_item_open

logger = logging.getLogger(__name__)


def open_review_item(
    *, target_type: str, target_id: int | str, item_type: str, summary: str = ""
) -> None:
    """``review.requested`` (a content app's write needs a moderator: a submission, a
    pending annotation, an orphan, a trusted contributor's live edit): open the item
    (idempotent) for the target its registered adapter loads; gone since, nothing."""
    try:
        target = get_adapter(target_type).get(target_id)
    except UnknownTargetType:
        logger.error("review.requested for unregistered type %r", target_type)
        return
    if target is not None:
        review_item_open(item_type=item_type, target=target, summary=summary)


def connect() -> None:
    events.subscribe("review.requested", open_review_item)
