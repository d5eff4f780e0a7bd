"""Hostile uploads fail fast and alone, with a clear message, in bounded time and memory.

- Decompression bombs are refused before the layout pass.
- Drawing bombs (nested, chained or circular Form XObjects; deeply nested graphics
  state), pages and objects past their limits are refused by the upload check: 400 on the
  page, nothing stored.
- Past the checks (switched off here, as a shape the checks might miss), the layout pass
  runs in a child process capped in time and memory: the import fails with "could not be
  processed" and the process that ran it lives on; with real workers, a notification
  e-mail goes out meanwhile, because imports have a queue and a worker of their own.

Oversize files, wrong types and deeply nested HTML are covered where the importers are
tested (tests/sources/test_importers.py, test_services.py, test_views.py: "oversize",
"nested too deeply", unsupported types)."""

from __future__ import annotations

import html
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.annotations import services as annotation_services
from apps.notifications.models import Notification
from apps.sources import services
from apps.sources.importers import pdf, validate_upload
from apps.sources.importers.base import ImportRejected
from apps.sources.importers.pipeline import extract
from apps.sources.models import (
    Document,
    DocumentStatus,
    DocumentUpload,
    Passage,
    PendingUpload,
    Source,
)
from project.celery import app
from tests.factories import UserFactory

from ..faults.conftest import run_django, wait_for
from . import hostile_files
from .hostile_files import decompression_bomb_pdf

ROOT = Path(__file__).resolve().parents[2]
BOMB_MESSAGE = "expand to more than 100 MB when decompressed"


@pytest.mark.parametrize(
    ("pages", "megabytes_per_page"),
    [
        pytest.param(1, 300, id="one 300 MB page (over pypdf's per-stream cap)"),
        pytest.param(3, 60, id="three 60 MB pages (each under the cap, 180 MB in total)"),
    ],
)
def test_decompression_bomb_is_rejected_by_the_importer(pages, megabytes_per_page):
    data = decompression_bomb_pdf(pages=pages, megabytes_per_page=megabytes_per_page)
    assert len(data) < 1_000_000  # the attack: a small file
    started = time.monotonic()
    with pytest.raises(ImportRejected, match=BOMB_MESSAGE):
        extract(data)
    assert time.monotonic() - started < 30


def test_decompression_bomb_is_rejected_by_the_upload_precheck():
    with pytest.raises(ImportRejected, match=BOMB_MESSAGE):
        pdf.precheck_pdf(decompression_bomb_pdf(megabytes_per_page=300))


# Measured in a fresh interpreter so the peak resident size is the import's alone.
_MEASURE = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
import django
django.setup()
from apps.sources.importers.base import ImportRejected
from apps.sources.importers.pipeline import extract
from tests.security.hostile_files import decompression_bomb_pdf
data = decompression_bomb_pdf(megabytes_per_page=1000)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
try:
    extract(data)
    outcome = "accepted"
except ImportRejected as exc:
    outcome = str(exc.message)
print(json.dumps({{
    "outcome": outcome,
    "seconds": time.monotonic() - started,
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "before_kb": before,
    "size": len(data),
}}))
"""


def test_gigabyte_bomb_is_rejected_in_bounded_time_and_memory():
    """A ~1 MB file that would expand to 1 GB: rejected in seconds, and the process never
    holds more than pypdf's 75 MB per-stream cap (plus working copies) of it."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert BOMB_MESSAGE in figures["outcome"]
    assert figures["seconds"] < 30
    assert figures["peak_kb"] - figures["before_kb"] < 400 * 1024, figures


# --- Drawing bombs: refused before parsing ------------------------------------------------

DRAWING_BOMBS = [
    pytest.param(
        hostile_files.nested_forms_pdf,
        "Page 1 of this PDF repeats embedded drawings more than 5,000 times",
        id="forms nested 5 deep, 10 each (100,000 paintings, 3 KB)",
    ),
    pytest.param(
        hostile_files.form_chain_pdf,
        "Page 1 of this PDF nests drawings inside drawings more than 8 levels deep",
        id="a chain of 1,000 forms",
    ),
    pytest.param(
        hostile_files.form_met_twice_pdf,
        "Page 1 of this PDF nests drawings inside drawings more than 8 levels deep",
        id="a 7-deep form met again under another 7-deep chain",
    ),
    pytest.param(
        hostile_files.circular_forms_pdf,
        "Page 1 of this PDF contains a drawing that includes itself",
        id="circular forms",
    ),
    pytest.param(
        hostile_files.nested_graphics_state_pdf,
        "Page 1 of this PDF nests its drawing instructions more than 256 levels deep",
        id="a million unclosed q",
    ),
]


def stored_rows() -> dict[str, int]:
    return {
        "sources": Source.objects.count(),
        "documents": Document.objects.count(),
        "uploads": DocumentUpload.objects.count(),
        "pending": PendingUpload.objects.count(),
    }


@pytest.mark.parametrize(("build", "message"), DRAWING_BOMBS)
def test_drawing_bomb_is_refused_by_the_upload_check_before_parsing(build, message):
    data = build()
    assert len(data) < 250_000  # the attack: a small file
    started = time.monotonic()
    with pytest.raises(ImportRejected, match=re.escape(message)):
        validate_upload(data)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "painted_as",
    [
        pytest.param(b"#58", id="escaped name: /#58 is /X"),
        pytest.param(b"X ]", id="malformed: /X ] Do still paints /X in pdfminer"),
    ],
)
def test_drawing_bomb_painted_in_disguise_is_refused_too(painted_as):
    """The check reads names as a renderer does, and where it cannot tell which form a
    "Do" paints it assumes the costliest one."""
    data = hostile_files.nested_forms_pdf(painted_as=painted_as)
    assert b"/X Do" not in data
    with pytest.raises(ImportRejected, match="repeats embedded drawings more than 5,000"):
        validate_upload(data)


@pytest.mark.parametrize(("build", "message"), DRAWING_BOMBS)
def test_drawing_bomb_is_refused_by_the_importer_too(build, message):
    """Defence in depth: a file stored before the checks existed (or by a path that
    skipped them) meets the same checks before the layout pass."""
    with pytest.raises(ImportRejected, match=re.escape(message)):
        extract(build())


@pytest.mark.parametrize(("build", "message"), DRAWING_BOMBS[:2])
def test_drawing_bomb_upload_page_shows_the_reason_and_stores_nothing(
    user_client, build, message, django_assert_max_num_queries
):
    """The form shows the error, as for every bad file (tests/sources/test_views.py)."""
    before = stored_rows()
    with django_assert_max_num_queries(10):
        response = user_client.post(
            reverse("sources:add"),
            {
                "title": "Scoring report",
                "authors": "A. Author",
                "source_type": "report",
                "language": "en",
                "file": SimpleUploadedFile("report.pdf", build(), "application/pdf"),
            },
        )
    assert response.status_code == 200
    assert "Please correct the errors below." in response.text
    assert message in html.unescape(response.text)
    assert stored_rows() == before


def test_drawing_bomb_is_refused_by_the_service_with_a_field_error(user):
    before = stored_rows()
    with pytest.raises(ValidationError) as caught:
        services.source_create(
            user=user,
            metadata=services.SourceMetadata(title="Scoring report", authors=["A. Author"]),
            data=hostile_files.nested_forms_pdf(),
            filename="report.pdf",
        )
    assert "repeats embedded drawings" in caught.value.message_dict["file"][0]
    assert stored_rows() == before


def test_pages_and_objects_past_their_limits_are_refused(settings):
    settings.SOURCE_PDF_MAX_PAGES = 20
    with pytest.raises(ImportRejected, match="This PDF has 21 pages; the limit is 20."):
        validate_upload(hostile_files.many_pages_pdf(pages=21))
    validate_upload(hostile_files.many_pages_pdf(pages=20))

    settings.SOURCE_PDF_MAX_OBJECTS = 500
    with pytest.raises(ImportRejected, match="made of 605 objects; the limit is 500"):
        validate_upload(hostile_files.many_objects_pdf(objects=600))


def test_default_limits_refuse_2001_pages():
    with pytest.raises(ImportRejected, match="This PDF has 2001 pages; the limit is 2000."):
        validate_upload(hostile_files.many_pages_pdf(pages=2001))


def test_pages_the_upload_check_had_no_time_for_are_checked_by_the_import(
    user, monkeypatch, run_on_commit
):
    """The upload check scans for PRECHECK_SECONDS at most (a web request must not hang on
    a 100 MB content stream); what it did not reach, the import checks before the layout."""
    monkeypatch.setattr(pdf, "PRECHECK_SECONDS", -1.0)
    with run_on_commit():
        source = services.source_create(
            user=user,
            metadata=services.SourceMetadata(title="Scoring report", authors=["A. Author"]),
            data=hostile_files.nested_forms_pdf(),
            filename="report.pdf",
        )
    document = source.documents.get()
    assert document.status == DocumentStatus.FAILED
    assert document.error.startswith("Page 1 of this PDF repeats embedded drawings")


def test_ordinary_pdf_with_nested_forms_on_every_page_is_accepted_and_imported():
    """The control: a letterhead form painting a logo form on each of 30 pages."""
    data = hostile_files.letterhead_pdf(pages=30)
    assert validate_upload(data) == "pdf"
    extracted = extract(data)
    assert len(extracted.passages) == 30
    assert extracted.passages[0].text.startswith("Page 1, line 1: scores decide")


# --- Past the checks: the layout pass fails alone ------------------------------------------


@pytest.fixture
def checks_missed(monkeypatch):
    """Switch off the structure checks, as for a hostile shape they do not know."""
    monkeypatch.setattr(pdf, "check_pages", lambda *args, **kwargs: None)


def test_layout_bomb_past_the_checks_is_stopped_at_the_time_limit(settings, checks_missed):
    settings.SOURCE_IMPORT_SOFT_TIME_LIMIT = 2
    settings.SOURCE_IMPORT_MAX_MEMORY_MB = 4096
    started = time.monotonic()
    with pytest.raises(ImportRejected) as caught:
        extract(hostile_files.nested_forms_pdf())
    elapsed = time.monotonic() - started
    assert caught.value.message.startswith(
        "This file could not be processed: reading it took longer than the 2 seconds"
    )
    assert 2 <= elapsed < 10, elapsed


def test_layout_bomb_past_the_checks_is_stopped_at_the_memory_limit(settings, checks_missed):
    """The child runs out of its 200 MB; this process (a worker, or the web process with
    eager tasks) does not grow."""
    settings.SOURCE_IMPORT_SOFT_TIME_LIMIT = 120
    settings.SOURCE_IMPORT_MAX_MEMORY_MB = 200
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(ImportRejected) as caught:
        extract(hostile_files.nested_forms_pdf())
    assert caught.value.message.startswith(
        "This file could not be processed: reading it needed more than the 200 MB of memory"
    )
    assert time.monotonic() - started < 60
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100 * 1024, grown_kb


def test_form_chain_past_the_checks_ends_in_a_readable_failure(checks_missed):
    """pdfminer follows the 1,000-deep chain into a RecursionError (in the child)."""
    with pytest.raises(ImportRejected, match="its content is nested too deeply"):
        extract(hostile_files.form_chain_pdf())


def test_hostile_import_past_the_checks_fails_the_document_with_a_clear_message(
    user, settings, checks_missed, run_on_commit, monkeypatch
):
    settings.SOURCE_IMPORT_SOFT_TIME_LIMIT = 2
    monkeypatch.setattr(services.uploads, "validate_upload", lambda data: "pdf")
    with run_on_commit():  # the import runs (eager) when the upload commits
        source = services.source_create(
            user=user,
            metadata=services.SourceMetadata(title="Scoring report", authors=["A. Author"]),
            data=hostile_files.nested_forms_pdf(),
            filename="report.pdf",
        )
    document = source.documents.get()
    assert document.status == DocumentStatus.FAILED
    assert document.error.startswith("This file could not be processed")
    assert document.version is None
    assert not Passage.objects.filter(document=document).exists()
    source.refresh_from_db()
    assert source.current_document is None


# --- With real workers: the hostile import holds its own queue, e-mails keep going -------

MAIL_SEPARATOR = "-" * 79  # the file-based e-mail backend ends every message with this line


@pytest.mark.worker
def test_hostile_import_fails_alone_while_a_reply_email_goes_out(
    worker_env, workers, user, tmp_path
):
    """Two real workers, as deployed (docs/deploy.md): one for the imports queue, one for
    the rest. A drawing bomb the checks miss (they are switched off in the import
    worker) holds the import worker until the layout pass is killed at the time limit;
    meanwhile a reply's notification e-mail, sent after the upload, goes out through the
    other worker. The document fails with "could not be processed" and both workers live."""
    # This process builds the world inline; only the workers' processes use the broker.
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    author = UserFactory(email_notifications=True)
    source = services.source_create(
        user=author,
        metadata=services.SourceMetadata(title="Scoring registries", authors=["A. Author"]),
        data=b"The registry scores every household once a year.\n",
    )
    document = source.documents.get()
    assert document.status == DocumentStatus.READY
    quote = "scores every household"
    start = document.text.index(quote)
    root = annotation_services.annotation_create(
        author=author,
        document=document,
        position=annotation_services.TextPositionSelector(start, start + len(quote)),
        body="Since when?",
    )
    app.conf.task_always_eager = previous

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    limit = 8  # seconds: the layout pass alone would take about 50
    env = dict(
        worker_env,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        SOURCE_IMPORT_SOFT_TIME_LIMIT=str(limit),
        SOURCE_IMPORT_MAX_MEMORY_MB="4096",
    )
    default_queue = env["CELERY_QUEUE"]
    imports_queue = f"{default_queue}-imports"
    default_log, imports_log = tmp_path / "default.log", tmp_path / "imports.log"
    default_worker = workers.spawn(env, default_log, queues=[default_queue])
    imports_worker = workers.spawn(
        env,
        imports_log,
        queues=[imports_queue],
        prelude="""
        from apps.sources.importers import pdf
        pdf.check_pages = lambda *args, **kwargs: None  # a shape the checks do not know
        """,
    )
    for log in (default_log, imports_log):
        assert wait_for(lambda log=log: " ready." in log.read_text(), timeout=60), log.read_text()[
            -3000:
        ]

    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(hostile_files.nested_forms_pdf())
    result = run_django(
        f"""
        import json
        from pathlib import Path
        from django.contrib.auth import get_user_model
        from django.test import Client
        from apps.sources import services
        User = get_user_model()
        services.uploads.validate_upload = lambda data: "pdf"  # past the upload check too
        source = services.source_create(
            user=User.objects.get(pk={user.pk}),
            metadata=services.SourceMetadata(title="Scoring report", authors=["A. Author"]),
            data=Path({str(bomb)!r}).read_bytes(), filename="report.pdf",
            throttle=False,  # counters in the workers' Redis outlive the test database
        )
        client = Client()
        client.force_login(User.objects.get(pk={user.pk}))
        response = client.post(
            "/api/annotations/",
            json.dumps({{"parent": {root.pk}, "body": "Only since 2019, see the annex."}}),
            content_type="application/json",
        )
        print(json.dumps({{"document": source.documents.get().pk, "reply": response.status_code}}))
        """,
        env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["reply"] == 201, outcome
    hostile = Document.objects.get(pk=outcome["document"])

    def mail() -> str:
        return "".join(path.read_text() for path in mail_dir.iterdir())

    assert wait_for(lambda: MAIL_SEPARATOR in mail(), timeout=30), default_log.read_text()[-3000:]
    assert "Only since 2019, see the annex." in mail()
    assert f"To: {author.email}" in mail()

    def import_over() -> bool:
        return Document.objects.get(pk=hostile.pk).status == DocumentStatus.FAILED

    assert wait_for(import_over, timeout=limit + 30), imports_log.read_text()[-3000:]
    hostile.refresh_from_db()
    assert hostile.error.startswith(
        f"This file could not be processed: reading it took longer than the {limit} seconds"
    )
    assert not Passage.objects.filter(document=hostile).exists()
    # The e-mail did not wait for the import: it went out while the layout pass ran.
    emailed = Notification.objects.get(recipient=author, kind="reply").emailed_at
    assert emailed is not None and emailed < hostile.import_finished
    assert (hostile.import_finished - hostile.import_started).total_seconds() < limit + 10
    # Each worker ran only its own queue's tasks, and both are alive.
    assert "Task apps.sources.tasks.import_document[" in imports_log.read_text()
    assert "Task apps.sources.tasks.import_document[" not in default_log.read_text()
    assert "Task apps.notifications.tasks.send_notification_email[" in default_log.read_text()
    assert "Task apps.notifications.tasks." not in imports_log.read_text()
    assert default_worker.poll() is None and imports_worker.poll() is None
