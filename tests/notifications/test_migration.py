"""The move into the one inbox keeps every existing reply/mention notification and
moderation notice: times, read state, owed e-mails (migration 0002)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("annotations", "0006_reading_groups"),
    ("moderation", "0012_decision_keep"),
    ("notifications", "0001_inbox"),
]
AFTER = [
    ("annotations", "0007_notifications_moved_to_inbox"),
    ("moderation", "0013_notices_moved_to_inbox"),
    ("notifications", "0002_move_notices_and_notifications"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _forward_again():
    """Leave the database at the latest migrations: the test stops at an old state, and the
    tests after it in this process (tables added later, e.g. the highlight legend) need
    every table."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_notifications_and_notices_move_into_the_inbox():
    old = _migrate(BEFORE)
    # Only annotations and moderation went back: the other apps' tables are current.
    from apps.accounts.models import User
    from apps.sources.models import Document, Source

    Annotation = old.get_model("annotations", "Annotation")
    OldNotification = old.get_model("annotations", "Notification")
    ModerationNotice = old.get_model("moderation", "ModerationNotice")
    author = User.objects.create(username="author", email="a@example.org")
    reader = User.objects.create(username="reader", email="r@example.org")
    source = Source.objects.create(slug="paper", title="The paper", authors=["A"])
    document = Document.objects.create(source=source, import_format="text")
    note = Annotation.objects.create(
        source_id=source.pk, document_id=document.pk, author_id=author.pk, body="@reader see this"
    )
    long_ago = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    mention = OldNotification.objects.create(
        recipient_id=reader.pk,
        actor_id=author.pk,
        annotation=note,
        kind="mention",
        email_pending=True,
    )
    OldNotification.objects.filter(pk=mention.pk).update(created=long_ago, read_at=long_ago)
    notice = ModerationNotice.objects.create(
        recipient_id=author.pk,
        decision="hide",
        reason="Spam, sorry.",
        target_label="Your note",
        target_url="/sources/paper/",
    )

    new = _migrate(AFTER)
    Notification = new.get_model("notifications", "Notification")
    moved_mention = Notification.objects.get(recipient_id=reader.pk)
    assert (moved_mention.kind, moved_mention.actor_id, moved_mention.subject_id) == (
        "mention",
        author.pk,
        note.pk,
    )
    assert moved_mention.created == long_ago and moved_mention.read_at == long_ago
    assert moved_mention.email_pending and moved_mention.text == "@reader see this"
    assert moved_mention.target_label == "The paper"
    assert moved_mention.target_url == f"/sources/paper/?thread={note.pk}#annotation-{note.pk}"
    moved_notice = Notification.objects.get(recipient_id=author.pk)
    assert (moved_notice.kind, moved_notice.verb, moved_notice.text) == (
        "decision",
        "hide",
        "Spam, sorry.",
    )
    assert moved_notice.actor_id is None and moved_notice.subject_id is None
    assert moved_notice.created == notice.created and moved_notice.email_pending
    assert "annotations_notification" not in connection.introspection.table_names()
    assert "moderation_moderationnotice" not in connection.introspection.table_names()
