"""The import task: its own queue, explicit time limits, and a time-out that ends as a
failed document rather than a retry."""

from __future__ import annotations

import pytest
from billiard.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings

from apps.sources import services
from apps.sources.importers import pipeline
from apps.sources.models import DocumentStatus, Passage
from apps.sources.tasks import import_document, sweep_stalled_imports
from project.celery import app

from . import samples

pytestmark = pytest.mark.django_db


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_imports_have_a_queue_of_their_own_and_the_rest_stays_on_the_default():
    app.loader.import_default_modules()
    assert queue_of("apps.sources.tasks.import_document") == settings.SOURCE_IMPORT_QUEUE
    assert settings.SOURCE_IMPORT_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE
    for name in [
        "apps.notifications.tasks.send_notification_email",
        "apps.annotations.tasks.reanchor_document",
        "apps.atlas.tasks.rebuild_atlas_snapshot",
        "apps.sources.tasks.sweep_stalled_imports",
    ]:
        assert queue_of(name) == settings.CELERY_TASK_DEFAULT_QUEUE, name
    # Both are declared, so a worker started without -Q consumes both.
    assert {queue.name for queue in app.amqp.queues.values()} >= {
        settings.CELERY_TASK_DEFAULT_QUEUE,
        settings.SOURCE_IMPORT_QUEUE,
    }


def test_import_task_limits_come_from_settings():
    assert import_document.soft_time_limit == settings.SOURCE_IMPORT_SOFT_TIME_LIMIT == 300
    assert import_document.time_limit == settings.SOURCE_IMPORT_TIME_LIMIT == 360
    assert import_document.acks_late
    # Redelivery of an unacknowledged import must wait out its hard limit.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > 360


@pytest.fixture
def pending_document(user):
    source = services.source_create(
        user=user,
        metadata=services.SourceMetadata(title="A report", authors=["A. Author"]),
        data=samples.PLAIN_TEXT,
    )
    return source.documents.get()


def test_soft_time_limit_during_the_import_fails_the_document_with_a_clear_message(
    pending_document, monkeypatch
):
    def too_slow(data):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(pipeline, "_extract", too_slow)
    assert import_document.delay(pending_document.pk).get() == DocumentStatus.FAILED
    pending_document.refresh_from_db()
    assert pending_document.error == (
        "This file could not be processed: reading it took longer than the 300 seconds an "
        "import may take. If it is a PDF, print it to a new PDF (or save its text) and "
        "upload that."
    )
    assert not Passage.objects.filter(document=pending_document).exists()


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (RecursionError, "its content is nested too deeply to be read safely"),
        (MemoryError, "needed more than the 1024 MB of memory an import may use"),
    ],
)
def test_running_out_of_stack_or_memory_fails_the_document_readably(
    pending_document, monkeypatch, error, message
):
    def explode(data):
        raise error()

    monkeypatch.setattr(pipeline, "_extract", explode)
    services.document_import(document_id=pending_document.pk)
    pending_document.refresh_from_db()
    assert pending_document.status == DocumentStatus.FAILED
    assert message in pending_document.error


def test_hard_time_limit_fails_the_document_and_the_sweep_does_not_retry_it(pending_document):
    """The worker's main process calls on_failure when it kills a child at the hard limit;
    the message is acknowledged, so nothing would run the import again but the sweep."""
    pending_document.status = DocumentStatus.PROCESSING
    pending_document.save(update_fields=["status"])
    import_document.on_failure(
        TimeLimitExceeded(360), "task-id", (pending_document.pk,), {}, einfo=None
    )
    pending_document.refresh_from_db()
    assert pending_document.status == DocumentStatus.FAILED
    assert pending_document.error.startswith("This file could not be processed")
    assert sweep_stalled_imports() == []


def test_other_failures_are_left_to_the_sweep(pending_document):
    import_document.on_failure(
        ConnectionError("database gone"), "task-id", (pending_document.pk,), {}, einfo=None
    )
    pending_document.refresh_from_db()
    assert pending_document.status == DocumentStatus.PENDING


def test_a_time_out_after_the_version_became_ready_changes_nothing(pending_document, run_on_commit):
    with run_on_commit():
        services.document_import(document_id=pending_document.pk)
    pending_document.refresh_from_db()
    assert pending_document.status == DocumentStatus.READY
    import_document.on_failure(
        TimeLimitExceeded(360), "task-id", (pending_document.pk,), {}, einfo=None
    )
    pending_document.refresh_from_db()
    assert pending_document.status == DocumentStatus.READY
    assert pending_document.error == ""
