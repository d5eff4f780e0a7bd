"""apps/common/events.py: dispatched on commit only, once per transaction and payload,
in order, each subscriber isolated from the others' failures."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from apps.common import events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def received():
    """Subscribe a recorder to ``test.first`` and ``test.second`` for one test."""
    calls: list[tuple[str, dict]] = []

    def first(**payload):
        calls.append(("test.first", payload))

    def second(**payload):
        calls.append(("test.second", payload))

    events.subscribe("test.first", first)
    events.subscribe("test.second", second)
    yield calls
    events.unsubscribe("test.first", first)
    events.unsubscribe("test.second", second)


def test_dispatched_when_the_transaction_commits_not_before(received):
    with transaction.atomic():
        events.publish("test.first", thing_id=1)
        assert received == []
    assert received == [("test.first", {"thing_id": 1})]


def test_nothing_dispatched_when_the_transaction_rolls_back(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.first", thing_id=1)
        raise RuntimeError("the write failed")
    assert received == []


def test_a_rolled_back_savepoint_takes_its_events_with_it(received):
    with transaction.atomic():
        events.publish("test.first", thing_id=1)
        try:
            with transaction.atomic():
                events.publish("test.second", thing_id=2)
                raise RuntimeError
        except RuntimeError:
            pass
    assert received == [("test.first", {"thing_id": 1})]


def test_the_same_event_and_payload_is_dispatched_once_per_transaction(received):
    with transaction.atomic():
        events.publish("test.first", thing_id=1)
        events.publish("test.first", thing_id=1)
        events.publish("test.first", thing_id=2)
    with transaction.atomic():
        events.publish("test.first", thing_id=1)
    assert received == [
        ("test.first", {"thing_id": 1}),
        ("test.first", {"thing_id": 2}),
        ("test.first", {"thing_id": 1}),
    ]


def test_events_keep_publication_order_and_handlers_subscription_order(received):
    also: list[str] = []
    late = lambda **payload: also.append("late")  # noqa: E731
    events.subscribe("test.second", late)
    try:
        with transaction.atomic():
            events.publish("test.second", thing_id=2)
            events.publish("test.first", thing_id=1)
    finally:
        events.unsubscribe("test.second", late)
    assert received == [("test.second", {"thing_id": 2}), ("test.first", {"thing_id": 1})]
    assert also == ["late"]
    assert events.subscribers("test.second")[-1] is not late


def test_outside_a_transaction_publish_dispatches_at_once(received):
    events.publish("test.first", thing_id=3)
    assert received == [("test.first", {"thing_id": 3})]


def test_a_failing_subscriber_is_logged_and_the_others_still_run(received, caplog):
    def broken(**payload):
        raise ConnectionError("broker down")

    events.subscribe("test.first", broken)
    # Subscribed after the recorder: move the recorder last so the failure comes first.
    recorder = events.subscribers("test.first")[0]
    events.unsubscribe("test.first", recorder)
    events.subscribe("test.first", recorder)
    try:
        with caplog.at_level(logging.ERROR, logger="apps.common.events"), transaction.atomic():
            events.publish("test.first", thing_id=1)
    finally:
        events.unsubscribe("test.first", broken)
    assert received == [("test.first", {"thing_id": 1})]
    assert "test.first" in caplog.text and "broker down" in caplog.text


def test_payloads_are_ids_not_objects():
    with pytest.raises(TypeError, match="id or another scalar"):
        events.publish("test.first", thing=object())
    with pytest.raises(ValueError, match="dotted"):
        events.publish("NotAName")


def test_each_simulated_commit_in_a_test_dispatches_once(
    received, django_capture_on_commit_callbacks
):
    """Tests run on-commit work with Django's capture helper, which leaves the callbacks
    in place: a publication after one captured commit still counts, and nothing runs
    twice when the transaction really commits."""
    with transaction.atomic():
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("test.first", thing_id=1)
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("test.first", thing_id=1)
    assert received == [("test.first", {"thing_id": 1})] * 2
