"""Races between moderators, on PostgreSQL with one connection per thread: exactly one
claim wins, exactly one decision wins, and the losers are told why."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from apps.moderation.actions import review_item_decide
from apps.moderation.errors import ModerationConflict
from apps.moderation.models import AuditLogEntry, ReviewItem
from apps.moderation.services import review_item_claim
from apps.notifications.models import Notification
from apps.sources.moderation import SourceAdapter
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
    assert Notification.objects.filter(kind="decision").count() == 1


def _submitted_entry():
    from apps.atlas.entries import services as entry_services
    from apps.atlas.taxonomy import ensure_default_categories
    from tests.atlas.conftest import evidence_data, example_data

    ensure_default_categories()  # a transactional test starts from an empty database
    author = UserFactory()
    example = entry_services.example_create(
        author=author, data=example_data(), evidence=[evidence_data()], submit=True
    )
    item = ReviewItem.objects.get(object_id=str(example.pk), item_type="submitted_entry")
    return author, example, item


def test_an_edit_racing_a_publish_never_goes_live_unseen(postgres, monkeypatch):
    """The author rewrites a submitted entry while a moderator publishes the version they
    saw: either the publish wins (the version seen goes live and the rewrite waits as a
    suggested edit) or the rewrite wins (the publish is refused as changed); never is
    the unseen rewrite published."""
    from apps.atlas.models import SuggestedEdit
    from apps.atlas.review import edits
    from apps.atlas.review.adapters import EntryAdapter
    from apps.moderation.errors import TargetChanged

    author, example, item = _submitted_entry()
    moderator = make_moderator()
    original = EntryAdapter.publish

    def slow_publish(self, obj, *, actor, reason):
        time.sleep(0.5)  # the entry's row is locked by now: the edit must wait
        return original(self, obj, actor=actor, reason=reason)

    monkeypatch.setattr(EntryAdapter, "publish", slow_publish)

    def publish():
        return review_item_decide(
            actor=moderator, item=item, decision="publish", reason="Seen.", version=1
        ).decision

    def rewrite():
        time.sleep(0.1)
        return edits.example_edit(
            actor=author, example=example, changes={"title": "Unseen rewrite"}
        )

    decided, edited = race([publish, rewrite])
    example.refresh_from_db()
    if decided == "publish":
        assert (example.status, example.title) == ("published", "Schufa geo-scoring")
        assert edited.awaits_review, edited
        assert SuggestedEdit.objects.get().changes == {"title": "Unseen rewrite"}
    else:
        assert isinstance(decided, TargetChanged), decided
        assert (example.status, example.title) == ("submitted", "Unseen rewrite")


def test_a_publish_waiting_on_an_edit_is_refused_and_nothing_deadlocks(postgres, monkeypatch):
    """The rewrite holds the entry's row when the moderator's publish arrives: the publish
    (holding its item) waits for the entry, then sees the new version and is refused;
    the edit's refresh of the item (after its commit) waits for the item, then runs."""
    from apps.atlas.entries import services as entry_services
    from apps.moderation.errors import TargetChanged

    author, example, item = _submitted_entry()
    moderator = make_moderator()
    original = entry_services.text_changed

    def slow_text_changed(example_id):
        time.sleep(0.5)  # inside example_update, with the entry's row locked
        return original(example_id)

    monkeypatch.setattr(entry_services, "text_changed", slow_text_changed)

    def rewrite():
        return entry_services.example_update(
            actor=author, example=example, changes={"title": "Unseen rewrite"}
        ).version

    def publish():
        time.sleep(0.1)
        return review_item_decide(
            actor=moderator, item=item, decision="publish", reason="Seen.", version=1
        )

    edited, decided = race([rewrite, publish])
    assert edited == 2, edited
    assert isinstance(decided, TargetChanged), decided
    assert decided.current_version == 2
    example.refresh_from_db()
    item.refresh_from_db()
    assert (example.status, example.title) == ("submitted", "Unseen rewrite")
    assert (item.status, item.target_label, item.target_version) == (
        "open", "Unseen rewrite", 1,
    )  # fmt: skip
