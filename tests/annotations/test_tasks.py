"""Tasks: thin, idempotent; re-anchoring through a real worker when Redis is there."""

from __future__ import annotations

import time

import pytest

from apps.annotations import tasks
from apps.annotations.models import AnchorStatus, AnnotationAnchor
from apps.sources.models import Document, DocumentUpload
from apps.sources.starter import FOUNDING_PAPER_FILE


def _upload_revision(source, text: str) -> Document:
    document = Document.objects.create(source=source, import_format="text")
    DocumentUpload.objects.create(document=document, data=text.encode(), size=len(text))
    return document


@pytest.mark.django_db
def test_reanchor_task_is_idempotent(user, founding_paper, make_annotation):
    from apps.sources.services import document_import

    annotation = make_annotation(user, quote="Sesame Credit")
    document = _upload_revision(founding_paper, "New start.\n\n" + FOUNDING_PAPER_FILE.read_text())
    document_import(document_id=document.pk)  # no on-commit hook here: run the task by hand
    assert tasks.reanchor_document(document.pk) == {"anchored": 1}
    assert tasks.reanchor_document(document.pk) == {}
    assert annotation.anchors.get(document=document).status == AnchorStatus.ANCHORED


@pytest.mark.worker
def test_new_version_is_reanchored_by_a_real_worker(celery_worker_real, user, settings):
    from apps.annotations import services
    from apps.annotations.services import TextPositionSelector
    from apps.sources import tasks as source_tasks
    from apps.sources.starter import load_founding_paper

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    source, _ = load_founding_paper()
    source.refresh_from_db()
    text = source.current_document.text
    start = text.index("Sesame Credit")
    annotation = services.annotation_create(
        author=user, document=source.current_document,
        position=TextPositionSelector(start, start + len("Sesame Credit")), body="x",
    )  # fmt: skip
    document = _upload_revision(source, "New start.\n\n" + FOUNDING_PAPER_FILE.read_text())
    source_tasks.import_document.delay(document.pk)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        anchor = AnnotationAnchor.objects.filter(annotation=annotation, document=document).first()
        if anchor is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail("The worker did not re-anchor the annotation within 30 s")
    assert anchor.status == AnchorStatus.ANCHORED
    document.refresh_from_db()
    assert document.text[anchor.start : anchor.end] == "Sesame Credit"
