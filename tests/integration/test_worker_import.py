"""An upload travels through Redis to a real Celery worker and comes back as passages."""

import time

import pytest

from apps.sources import services
from apps.sources.models import Document, DocumentStatus, Passage

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MARKDOWN = b"""# Platform ratings

Drivers on ride-hailing platforms are rated after every trip.

## Consequences

A low average rating can end a driver's access to the platform.
"""


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_import_runs_on_a_real_worker(celery_worker_real, user):
    from project.celery import app

    assert app.conf.task_always_eager is False
    source = services.source_create(
        user=user,
        metadata=services.SourceMetadata(
            title="Platform ratings", authors=["A. Author"], year=2024
        ),
        data=MARKDOWN,
        filename="ratings.md",
    )
    document = Document.objects.get(source=source)

    assert wait_for(lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.READY), (
        Document.objects.get(pk=document.pk).status
    )
    document.refresh_from_db()
    assert document.version == 1
    assert document.import_format == "markdown"
    kinds = list(Passage.objects.filter(document=document).values_list("kind", flat=True))
    assert kinds == ["heading", "paragraph", "heading", "paragraph"]
    source.refresh_from_db()
    assert source.current_document_id == document.pk
