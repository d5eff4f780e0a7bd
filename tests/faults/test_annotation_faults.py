"""Annotation writes survive a dead broker and a worker killed mid-task: replies keep their
notification and get their e-mail later, exactly once; new versions get their annotations
re-anchored later, completely and without duplicates.

Real workers run as subprocesses (``workers`` fixture); what this process does itself
(setting up, calling a sweep) runs inline, as everywhere in the suite."""

from __future__ import annotations

import json
import re
import time

import psycopg
import pytest
from django.db import connection

from apps.annotations import anchoring, services, tasks
from apps.annotations.models import AnchorStatus, Annotation, AnnotationAnchor
from apps.notifications import services as inbox
from apps.notifications import tasks as inbox_tasks
from apps.notifications.models import Notification
from apps.sources import services as source_services
from apps.sources.models import Document, DocumentStatus
from tests.factories import UserFactory

from .conftest import DEAD_BROKER, _database_url, run_django, wait_for

MAIL_SEPARATOR = "-" * 79  # the file-based e-mail backend ends every message with this line


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_source(user, paragraphs: list[str]):
    """A source whose first version is imported here (eager), as the sweep test's world."""
    source = source_services.source_create(
        user=user,
        metadata=source_services.SourceMetadata(title="Scoring registries", authors=["A. Author"]),
        data="\n\n".join(paragraphs).encode(),
        filename="registries.txt",
    )
    source.refresh_from_db()
    assert source.current_document.status == DocumentStatus.READY
    return source


def annotate(user, document, quote: str) -> Annotation:
    start = document.text.index(quote)
    return services.annotation_create(
        author=user,
        document=document,
        position=services.TextPositionSelector(start, start + len(quote)),
        body=f"On “{quote}”.",
    )


def import_version_while_the_broker_is_down(env: dict, user, source, text: str, tmp_path) -> int:
    """Upload and import a new version in a process whose broker is unreachable, as a
    worker does when Redis goes away mid-import: the version becomes ready, and the
    re-anchoring job it sends on commit is lost."""
    path = tmp_path / "revision.txt"
    path.write_text(text)
    result = run_django(
        f"""
        from pathlib import Path
        from django.contrib.auth import get_user_model
        from apps.sources import services
        from apps.sources.models import Source
        document = services.document_upload(
            user=get_user_model().objects.get(pk={user.pk}),
            source=Source.objects.get(pk={source.pk}),
            data=Path({str(path)!r}).read_bytes(), filename="revision.txt",
        )
        document = services.document_import(document_id=document.pk)
        print(document.pk, document.status)
        """,
        dict(env, REDIS_URL=DEAD_BROKER),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        "Could not enqueue apps.annotations.tasks.reanchor_document" in result.stderr
    )  # logged, not raised
    document_id, status = result.stdout.strip().splitlines()[-1].split()
    assert status == DocumentStatus.READY
    return int(document_id)


def task_results(log: str, task: str) -> list[str]:
    """What each run of ``task`` returned, from a worker's log."""
    return re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded in [\d.]+s: (.*)", log)


# --- A reply while the broker is down ---------------------------------------------------------


def test_reply_while_the_broker_is_down_is_saved_and_emailed_once_later(
    worker_env, workers, process_env, tmp_path
):
    author = UserFactory(email_notifications=True)
    replier = UserFactory()
    source = make_source(author, ["The registry scores every household once a year."])
    root = annotate(author, source.current_document, "scores every household")

    # The broker is unreachable; the cache (the same Redis in the default deployment) too.
    result = run_django(
        f"""
        import json, time
        from django.contrib.auth import get_user_model
        from django.test import Client
        client = Client()
        client.force_login(get_user_model().objects.get(pk={replier.pk}))
        started = time.monotonic()
        response = client.post(
            "/api/annotations/",
            json.dumps({{"parent": {root.pk}, "body": "Only since 2019, see the annex."}}),
            content_type="application/json",
        )
        print(json.dumps({{"status": response.status_code, "seconds": time.monotonic() - started,
                           "body": response.json()}}))
        """,
        dict(process_env, REDIS_URL=DEAD_BROKER),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 201, outcome
    # The write did not wait on the broker's reconnects (tens of seconds by default): it
    # tried briefly, logged and answered. A hang detector, not a speed target.
    assert outcome["seconds"] < 10, outcome
    assert "Could not enqueue apps.notifications.tasks.send_notification_email" in result.stderr
    reply = Annotation.objects.get(pk=outcome["body"]["id"])
    assert (reply.parent_id, reply.author_id) == (root.pk, replier.pk)
    notification = Notification.objects.get(subject_id=reply.pk)
    assert (notification.recipient_id, notification.kind) == (author.pk, "reply")
    assert notification.email_pending and notification.emailed_at is None

    # The broker is back. The beat sends the sweep twice before any e-mail has gone (a
    # backlog): both sweeps enqueue the e-mail, the worker sends it once.
    Notification.objects.filter(pk=notification.pk).update(
        created=notification.created - inbox.NOTIFICATION_EMAIL_SWEEP_AFTER * 2
    )
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = dict(
        worker_env,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    beat = run_django(
        """
        from apps.notifications.tasks import sweep_unsent_notification_emails
        sweep_unsent_notification_emails.delay()
        sweep_unsent_notification_emails.delay()
        """,
        env,
    )
    assert beat.returncode == 0, beat.stderr[-3000:]
    log_path = tmp_path / "worker.log"
    workers.spawn(env, log_path)

    def sends() -> list[str]:
        return task_results(
            log_path.read_text(), "apps.notifications.tasks.send_notification_email"
        )

    assert wait_for(lambda: len(sends()) >= 2, timeout=45), log_path.read_text()[-3000:]
    log = log_path.read_text()
    assert task_results(log, "apps.notifications.tasks.sweep_unsent_notification_emails") == [
        f"[{notification.pk}]",
        f"[{notification.pk}]",
    ]
    assert sorted(sends()) == ["False", "True"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None and not notification.email_pending

    messages = "".join(path.read_text() for path in mail_dir.iterdir())
    assert messages.count(MAIL_SEPARATOR) == 1, messages
    assert f"To: {author.email}" in messages
    assert "Only since 2019, see the annex." in messages
    # Nothing is owed any more: the next sweep sends nothing.
    assert inbox.notifications_sweep_unsent(send=inbox_tasks.send_notification_email.delay) == []


# --- A new version while the broker is down ---------------------------------------------------


def test_new_version_while_the_broker_is_down_is_reanchored_by_the_sweep(process_env, tmp_path):
    user = UserFactory()
    paragraphs = [
        "The registry scores every household once a year.",
        "Blacklists are published by the courts and read by banks.",
        "Pilot cities experimented with points for volunteering.",
    ]
    source = make_source(user, paragraphs)
    first = source.current_document
    quotes = ["scores every household", "published by the courts", "points for volunteering"]
    annotations = [annotate(user, first, quote) for quote in quotes]

    revised = ["A preface added in the second edition.", *paragraphs]
    revised[2] = "Blacklists, since 2015, are published by the courts and read by banks."
    document_id = import_version_while_the_broker_is_down(
        process_env, user, source, "\n\n".join(revised), tmp_path
    )
    second = Document.objects.get(pk=document_id)
    assert second.version == 2
    assert not AnnotationAnchor.objects.filter(document=second).exists()

    # The broker is back (eager here): the sweep leaves the version to its own job while it
    # may still be on its way, then finds the lost one and re-anchors.
    assert services.reanchor_sweep(send=tasks.reanchor_document.delay) == []
    later = second.import_finished + services.REANCHOR_SETTLE * 2
    assert services.reanchor_sweep(send=tasks.reanchor_document.delay, now=later) == [second.pk]
    anchors = {a.annotation_id: a for a in AnnotationAnchor.objects.filter(document=second)}
    assert sorted(anchors) == sorted(a.pk for a in annotations)
    for annotation in annotations:
        anchor = anchors[annotation.pk]
        assert anchor.status == AnchorStatus.ANCHORED
        assert second.text[anchor.start : anchor.end] == annotation.exact
    assert services.reanchor_sweep(send=tasks.reanchor_document.delay, now=later) == []


# --- A worker killed while re-anchoring -------------------------------------------------------

# Three thousand annotations: re-anchoring writes them in three batches of a thousand, in
# one transaction; setting them up takes a few seconds.
PARAGRAPHS = 600
PER_PARAGRAPH = 5
REATTACHED = 3


def large_text() -> list[str]:
    return [
        f"Registry {i} scored {i * 7 % 97} households in district {i % 41}; "
        f"appeals numbered {i * 13 % 89} and the bureau of record {i} published "
        f"its blacklist every {i % 11 + 2} weeks, with fines of {i * 31 % 997} yuan."
        for i in range(PARAGRAPHS)
    ]


def sessions_blocked_by(pid: int) -> list[int]:
    """Database sessions (a worker's) stuck inserting annotation anchors behind ``pid``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pid FROM pg_stat_activity
            WHERE %s = ANY(pg_blocking_pids(pid))
              AND query LIKE 'INSERT INTO "annotations_annotationanchor"%%'
            """,
            [pid],
        )
        return [row[0] for row in cursor.fetchall()]


def session_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] > 0


def annotate_in_bulk(user, document) -> list[Annotation]:
    """What thousands of scholars' annotations look like in the tables: roots with their
    anchor on the version they were made on (bulk, as service calls would take minutes)."""
    passages = list(document.passages.order_by("start"))
    rows = []
    for passage in passages:
        length = (passage.end - passage.start) // PER_PARAGRAPH
        for k in range(PER_PARAGRAPH):
            start = passage.start + k * length
            end = start + length - 2
            exact, prefix, suffix = anchoring.context_around(document.text, start, end)
            rows.append(
                Annotation(
                    source_id=document.source_id, document=document, author=user, body="x",
                    body_html="<p>x</p>", passage=passage, exact=exact, prefix=prefix,
                    suffix=suffix, start=start, end=end,
                )
            )  # fmt: skip
    created = Annotation.objects.bulk_create(rows, batch_size=1000)
    AnnotationAnchor.objects.bulk_create(
        AnnotationAnchor(
            annotation=a, document=document, status=AnchorStatus.ANCHORED, score=1.0,
            start=a.start, end=a.end, passage=a.passage,
        )
        for a in created
    )  # fmt: skip
    return created


def test_worker_killed_mid_reanchoring_is_redelivered_complete_and_without_duplicates(
    worker_env, workers, tmp_path
):
    user = UserFactory()
    paragraphs = large_text()
    source = make_source(user, paragraphs)
    annotations = annotate_in_bulk(user, source.current_document)
    total = len(annotations)

    revised = ["A preface added in the second edition.", *paragraphs]
    for i in range(1, len(revised), 9):
        revised[i] = "Revised. " + revised[i]
    document_id = import_version_while_the_broker_is_down(
        worker_env, user, source, "\n\n".join(revised), tmp_path
    )
    second = Document.objects.get(pk=document_id)
    # An author re-attached a few by hand before the job ran: re-anchoring must keep them.
    by_hand = {
        a.pk: AnnotationAnchor.objects.create(
            annotation=a, document=second, status=AnchorStatus.ANCHORED, score=1.0,
            start=0, end=9, reattached_by=user,
        )
        for a in annotations[:REATTACHED]
    }  # fmt: skip

    # Freeze the worker in the middle of writing the anchors: we insert (and do not yet
    # commit) the anchor of the last annotation, so the worker's insert of that one, in its
    # last batch of a thousand, waits for us, with the earlier batches written in its
    # transaction. (A row lock would not do: foreign keys are checked only at commit.)
    frozen_at = annotations[-1]
    blocker = psycopg.connect(_database_url())
    blocker.execute(
        "INSERT INTO annotations_annotationanchor (annotation_id, document_id, status, score,"
        " start, \"end\", updated) VALUES (%s, %s, 'orphaned', 0, NULL, NULL, now())",
        [frozen_at.pk, second.pk],
    )
    try:
        first_log = tmp_path / "worker1.log"
        first = workers.spawn(worker_env, first_log)
        sent = run_django(
            f"""
            from apps.annotations.tasks import reanchor_document
            reanchor_document.delay({second.pk})
            """,
            worker_env,
        )
        assert sent.returncode == 0, sent.stderr[-3000:]
        blocked = []
        assert wait_for(
            lambda: blocked.extend(sessions_blocked_by(blocker.info.backend_pid)) or blocked,
            timeout=45,
        ), first_log.read_text()[-3000:]
        workers.kill(first)
    finally:
        # Our row goes; the killed worker's insert goes on, then its session finds the
        # client gone and rolls back.
        blocker.close()
    assert wait_for(lambda: not session_alive(blocked[0]), timeout=30)

    task = "apps.annotations.tasks.reanchor_document"
    assert task_results(first_log.read_text(), task) == []
    placed = AnnotationAnchor.objects.filter(document=second)
    # Nothing half-written: only the hand-placed anchors are there.
    assert sorted(placed.values_list("annotation_id", flat=True)) == sorted(by_hand)

    # The replacement worker takes the unacknowledged task back once the visibility
    # timeout has passed, and runs it to the end.
    time.sleep(4)
    second_log = tmp_path / "worker2.log"
    workers.spawn(worker_env, second_log)
    assert wait_for(lambda: task_results(second_log.read_text(), task), timeout=60), (
        second_log.read_text()[-3000:]
    )
    [counts] = task_results(second_log.read_text(), task)
    assert sum(json.loads(counts.replace("'", '"')).values()) == total - REATTACHED

    anchors = list(placed.values_list("annotation_id", "status", "start", "end", "reattached_by"))
    assert len(anchors) == total
    assert len({row[0] for row in anchors}) == total  # one anchor per annotation
    exact = {a.pk: a.exact for a in annotations}
    for annotation_id, status, start, end, reattached_by in anchors:
        if annotation_id in by_hand:
            # Untouched: the hand-placed position, not the one re-anchoring would find.
            assert (status, start, end, reattached_by) == (AnchorStatus.ANCHORED, 0, 9, user.pk)
        else:
            assert status == AnchorStatus.ANCHORED
            assert second.text[start:end] == exact[annotation_id]
    # A second run (a late redelivery, the sweep) finds nothing left to do.
    assert services.document_reanchor(document_id=second.pk) == {}
