"""How atlas writes meet the moderation queue (apps/moderation): opening review items on
commit (a submitted entry, a suggested edit, a trusted contributor's live edit),
settling them when a decision is made on the entry page, refreshing their labels after
an edit, and the trust an accepted entry earns its author. The queue acts back on atlas
content through review/adapters.py."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from apps.common import events

from ..models import Example, SuggestedEdit, SuggestionStatus

logger = logging.getLogger(__name__)


def queue_on_commit(item_type: str, target_type: str, object_id: int, summary: str) -> None:
    """Put an atlas object (``target_type``: its moderation registry name, "entry" or
    "suggested_edit") in the moderation queue once the write commits: the
    ``review.requested`` event, which the moderation app's subscriber opens. Opening the
    item is idempotent; a failure is logged, never raised: the contributor's write stands,
    and the object's state (submitted, open suggestion) still says it awaits review."""
    events.publish(
        "review.requested",
        target_type=target_type,
        target_id=object_id,
        item_type=item_type,
        summary=summary,
    )


def settle_review_items(example: Example, *, item_types, actor, decision: str, reason: str) -> None:
    from apps.moderation.services import review_items_settle

    review_items_settle(
        target=example, item_types=item_types, actor=actor, decision=decision, reason=reason
    )


def refresh_review_items(example: Example) -> None:
    """The entry changed: once the write commits, its open review items (and those of its
    open suggestions and comments, whose labels, countries and categories are the
    entry's) read as it now does. What they recorded as reviewed stays, so a moderator's
    decision on the old version is refused with the difference (apps/moderation,
    "Versions"). After commit, not under the entry's row lock: a queue decision locks its
    item first, then the entry. A failure is logged; the next edit refreshes again."""
    example_id = example.pk

    def refresh() -> None:
        from apps.moderation.services import review_items_refresh

        current = Example.objects.filter(pk=example_id).first()
        if current is None:
            return
        try:
            review_items_refresh(
                targets=[
                    current,
                    *current.suggestions.filter(status=SuggestionStatus.OPEN),
                    *current.comments.all(),
                ]
            )
        except Exception:  # noqa: BLE001 - the edit stands; the queue label is secondary
            logger.exception("Could not refresh the review items of entry %s", example_id)

    transaction.on_commit(refresh)


def _accepted_count(author) -> int:
    """Entries of ``author`` a moderator ever accepted (published at least once)."""
    return Example.objects.filter(author=author, published_at__isnull=False).count()


def after_first_publication(example: Example) -> None:
    """Automatic trust: each accepted entry brings its author nearer to trusted status."""
    if example.author_id is None:
        return
    from apps.moderation.services import trust_recompute

    trust_recompute(user=example.author, accepted_count=_accepted_count(example.author))


def queue_submission(example: Example) -> None:
    queue_on_commit(
        "submitted_entry",
        "entry",
        example.pk,
        _("New entry about %(place)s submitted by %(user)s.")
        % {
            "place": example.place_name,
            "user": example.author.get_username() if example.author_id else "-",
        },
    )


def queue_suggestion(suggestion: SuggestedEdit, summary: str) -> None:
    queue_on_commit("suggested_edit", "suggested_edit", suggestion.pk, summary)


def settle_suggestion(suggestion: SuggestedEdit, *, actor, decision: str, reason: str) -> None:
    from apps.moderation.services import review_items_settle

    review_items_settle(
        target=suggestion,
        item_types=["suggested_edit"],
        actor=actor,
        decision=decision,
        reason=reason or _("Accepted on the entry page."),
    )
