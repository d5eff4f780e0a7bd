"""Races between moderators, on PostgreSQL with one connection per thread: exactly one
claim wins, exactly one decision wins, and the losers are told why."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from apps.moderation.actions import review_item_decide
from apps.moderation.errors import ModerationConflict
from apps.moderation.models import AuditLogEntry, ModerationNotice, ReviewItem
from apps.moderation.services import review_item_claim
from apps.sources.moderation import SourceAdapter
from tests.conftest import require
from tests.factories import UserFactory

from .conftest import make_item, make_moderator

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(functions):
    """Run each function in its own thread (own database connection), released together.
    Returns each one's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL (DATABASE_URL)")


def test_one_claim_wins(postgres):
    item = make_item(author=UserFactory())
    moderators = [make_moderator() for _ in range(4)]

    def claim_as(moderator):
        return lambda: (
            review_item_claim(
                actor=moderator, item=ReviewItem.objects.get(pk=item.pk)
            ).claimed_by_id
        )

    results = race([claim_as(m) for m in moderators])

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, ModerationConflict)]
    assert len(winners) == 1 and len(losers) == 3, results
    item.refresh_from_db()
    assert item.claimed_by_id == winners[0]
    assert all("claimed this item" in str(loser) for loser in losers)
    assert AuditLogEntry.objects.filter(action="claim").count() == 1


def test_one_decision_wins(postgres, monkeypatch):
    author = UserFactory()
    item = make_item(author=author)
    first, second = make_moderator(username="first"), make_moderator(username="second")
    original = SourceAdapter.publish

    def slow_publish(self, obj, *, actor, reason):
        # Hold the row lock long enough for the other moderator to reach it.
        time.sleep(0.5)
        return original(self, obj, actor=actor, reason=reason)

    monkeypatch.setattr(SourceAdapter, "publish", slow_publish)

    def decide_as(moderator, decision):
        stale = ReviewItem.objects.get(pk=item.pk)  # both load the open item first
        return lambda: (
            review_item_decide(
                actor=moderator, item=stale, decision=decision, reason=f"{decision} by {moderator}"
            ).decision
        )

    results = race([decide_as(first, "publish"), decide_as(second, "reject")])

    decided = [r for r in results if isinstance(r, str)]
    conflicts = [r for r in results if isinstance(r, ModerationConflict)]
    assert len(decided) == 1 and len(conflicts) == 1, results
    assert "already decided" in str(conflicts[0])
    item.refresh_from_db()
    assert item.decision == decided[0]
    assert AuditLogEntry.objects.filter(action="decision").count() == 1
    assert ModerationNotice.objects.count() == 1
