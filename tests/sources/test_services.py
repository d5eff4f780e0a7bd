"""Source services: creating sources, uploading versions, importing, retrying, seeding."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.sources import selectors, services, tasks
from apps.sources.models import Document, DocumentStatus, DocumentUpload, Passage, Source
from apps.sources.starter import FOUNDING_PAPER, load_founding_paper

from . import samples
from .conftest import metadata, passages_text, row_counts

pytestmark = pytest.mark.django_db

NOTHING = {"sources": 0, "documents": 0, "uploads": 0, "passages": 0}


# --- Creating a source -------------------------------------------------------------------


def test_source_create_stores_a_pending_version_and_enqueues_on_commit(
    user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        source = services.source_create(
            user=user,
            metadata=metadata(doi="https://doi.org/10.1234/ABC.5"),
            data=samples.PLAIN_TEXT,
            filename="a.txt",
        )
    # The import job, plus the HTTP cache's bump on commit, which the service's writes
    # share (it may have been registered by an earlier write of this test's transaction).
    from django.db import connection

    assert len([c for c in callbacks if not hasattr(c, "http_cache_labels")]) == 1
    assert len([c for c in callbacks if hasattr(c, "http_cache_labels")]) <= 1
    bumps = [c for _, c, *_ in connection.run_on_commit if hasattr(c, "http_cache_labels")]
    labels = set().union(*(c.http_cache_labels for c in bumps))
    assert {"sources.source", "sources.document"} <= labels
    document = source.documents.get()
    assert document.status == DocumentStatus.PENDING
    assert document.version is None
    assert document.import_format == "text"
    assert document.original_filename == "a.txt"
    assert document.created_by == user
    assert bytes(document.upload.data) == samples.PLAIN_TEXT
    assert source.current_document is None
    assert source.doi == "10.1234/ABC.5"
    assert source.slug == "lovelace-2022-scoring-in-europe"
    assert source.added_by == user
    assert not Passage.objects.exists()


def test_import_on_commit_publishes_version_one(make_source):
    source = make_source()
    document = source.current_document
    assert document.status == DocumentStatus.READY
    assert document.version == 1
    assert document.error == ""
    assert document.attempts == 1
    assert document.content_hash and document.import_finished
    passages = list(document.passages.order_by("order"))
    assert [p.kind for p in passages] == ["heading", "paragraph", "heading", "paragraph"]
    assert passages[1].section == "Scoring in practice"
    for passage in passages:
        assert document.text[passage.start : passage.end] == passage.text


@pytest.mark.parametrize(
    ("data", "import_format"),
    [
        (samples.MARKDOWN, "markdown"),
        (samples.HTML, "html"),
        (samples.article_pdf(), "pdf"),
        (samples.LATIN1, "text"),
    ],
    ids=["markdown", "html", "pdf", "latin1"],
)
def test_every_format_imports(make_source, data, import_format):
    document = make_source(data).current_document
    assert document.status == DocumentStatus.READY
    assert document.import_format == import_format
    assert document.passages.count() >= 2


def test_auto_slug_does_not_clash(make_source):
    first, second = make_source(), make_source()
    assert first.slug == "lovelace-2022-scoring-in-europe"
    assert second.slug == "lovelace-2022-scoring-in-europe-2"


def test_new_version_is_n_plus_one_and_old_versions_stay_readable(make_source, upload_version):
    source = make_source()
    v1 = source.current_document
    v2 = upload_version(source, passages_text(3))
    assert v2.version == 2 and v2.status == DocumentStatus.READY
    assert source.current_document == v2
    old = selectors.document_for_reader(source=source, version=1)
    assert old == v1
    assert [p.text for p in selectors.passages_for_document(document=old)][
        0
    ] == "Scoring in practice"
    assert [d.version for d in selectors.source_versions(source=source)] == [1, 2]


def test_failed_imports_do_not_consume_version_numbers(make_source, upload_version):
    source = make_source()
    v1 = source.current_document
    failed = upload_version(source, samples.DEEP_HTML)
    assert failed.status == DocumentStatus.FAILED
    assert failed.version is None
    assert "nested too deeply" in failed.error
    assert not failed.passages.exists()
    assert source.current_document == v1
    v2 = upload_version(source, passages_text(2))
    assert v2.version == 2


def test_import_is_idempotent(make_source):
    source = make_source()
    document = source.current_document
    passage_ids = list(document.passages.values_list("pk", flat=True))
    again = services.document_import(document_id=document.pk)
    assert again.status == DocumentStatus.READY
    assert again.version == 1
    assert again.attempts == 1
    assert list(document.passages.values_list("pk", flat=True)) == passage_ids
    assert Document.objects.filter(source=source).count() == 1


def test_failed_import_is_not_retried_by_a_redelivered_task(make_source, upload_version):
    source = make_source()
    failed = upload_version(source, samples.DEEP_HTML)
    again = services.document_import(document_id=failed.pk)
    assert again.status == DocumentStatus.FAILED
    assert again.attempts == 1


def test_importer_crash_becomes_a_readable_failure(make_source, upload_version):
    source = make_source()
    with mock.patch("apps.sources.services.imports.extract", side_effect=RuntimeError("boom")):
        failed = upload_version(source, passages_text(2))
    assert failed.status == DocumentStatus.FAILED
    assert "internal error" in failed.error
    assert "boom" not in failed.error
    assert source.current_document.version == 1


def test_a_published_import_publishes_source_version_ready(make_source, dispatched):
    seen = dispatched("source.version_ready")
    source = make_source()
    assert seen == [{"document_id": source.current_document_id}]


# --- Bad input: rejected before anything is stored ------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.PNG, "looks like a PNG image"),
        (samples.ZIP, "looks like a ZIP archive"),
        (samples.BINARY, "binary"),
        (samples.broken_pdf(), "This PDF is damaged"),
        (samples.encrypted_pdf(), "password-protected"),
        (samples.no_text_pdf(), "no extractable text"),
        (samples.INVALID_UTF8, "not valid UTF-8"),
        (b"", "The file is empty."),
        (b" \n \n", "The file is empty."),
    ],
    ids=[
        "png",
        "zip",
        "binary",
        "broken-pdf",
        "encrypted-pdf",
        "no-text-pdf",
        "bad-encoding",
        "empty",
        "blank",
    ],
)
def test_bad_files_are_rejected_and_nothing_is_stored(user, data, message):
    with pytest.raises(ValidationError) as error:
        services.source_create(user=user, metadata=metadata(), data=data, filename="paper.txt")
    assert message in " ".join(error.value.message_dict["file"])
    assert row_counts() == NOTHING


def test_oversize_upload_is_rejected_and_nothing_is_stored(user, settings):
    settings.SOURCE_UPLOAD_MAX_BYTES = 200
    with pytest.raises(ValidationError) as error:
        services.source_create(
            user=user, metadata=metadata(), data=passages_text(10), filename="big.txt"
        )
    assert "the limit is 200" in error.value.message_dict["file"][0]
    assert row_counts() == NOTHING


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"year": 3000}, "year", "cannot be in the future"),
        ({"year": 999}, "year", "greater than or equal to 1000"),
        ({"doi": "not-a-doi"}, "doi", "A DOI looks like 10.1234/abcd"),
        ({"doi": "10.12/x"}, "doi", "A DOI looks like"),
        ({"url": "not a url"}, "url", "valid URL"),
        ({"licence_url": "javascript:alert(1)"}, "licence_url", "valid URL"),
        ({"title": "  "}, "title", "cannot be blank"),
        ({"slug": "Not a slug!"}, "slug", "valid “slug”"),
        ({"source_type": "poem"}, "source_type", "not a valid choice"),
    ],
    ids=[
        "future-year",
        "ancient-year",
        "bad-doi",
        "short-doi",
        "bad-url",
        "js-licence-url",
        "blank-title",
        "bad-slug",
        "bad-type",
    ],
)
def test_bad_metadata_is_rejected_and_nothing_is_stored(user, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        services.source_create(user=user, metadata=metadata(**overrides), data=samples.PLAIN_TEXT)
    assert message in " ".join(error.value.message_dict[field])
    assert row_counts() == NOTHING


def test_slug_clash_is_rejected_and_nothing_more_is_stored(make_source, user):
    existing = make_source(slug="scoring")
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        services.source_create(user=user, metadata=metadata(slug="scoring"), data=passages_text(2))
    assert error.value.message_dict["slug"] == ["A source with this slug already exists."]
    assert row_counts() == before
    assert Source.objects.get(slug="scoring") == existing


def test_anonymous_users_cannot_add_sources_or_versions(make_source):
    source = make_source()
    before = row_counts()
    with pytest.raises(PermissionDenied):
        services.source_create(user=AnonymousUser(), metadata=metadata(), data=samples.PLAIN_TEXT)
    with pytest.raises(PermissionDenied):
        services.document_upload(user=None, source=source, data=samples.PLAIN_TEXT)
    assert row_counts() == before


def test_bad_new_version_is_rejected_and_the_source_is_unchanged(make_source, user):
    source = make_source()
    before = row_counts()
    with pytest.raises(ValidationError, match="password-protected"):
        services.document_upload(user=user, source=source, data=samples.encrypted_pdf())
    assert row_counts() == before
    source.refresh_from_db()
    assert source.current_document.version == 1


# --- Bad input found only by the import task ------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.DEEP_HTML, "nested too deeply"),
        # The form only checks the first pages of a PDF for text; the task checks them all.
        (samples.make_pdf([[("", "")]] * 6, header=None), "no extractable text"),
        (
            b"<!doctype html><html><body><nav><a href='/'>Home</a></nav></body></html>",
            "No readable text",
        ),
    ],
    ids=["deep-html", "long-pdf-without-text", "html-without-main-text"],
)
def test_failure_in_the_task_leaves_a_failed_version_and_no_passages(
    make_source, upload_version, data, message
):
    source = make_source()
    current = source.current_document
    passages_before = Passage.objects.count()
    failed = upload_version(source, data)
    assert failed.status == DocumentStatus.FAILED
    assert message in failed.error
    assert failed.version is None
    assert failed.text == ""
    assert not failed.passages.exists()
    assert Passage.objects.count() == passages_before
    assert source.current_document == current
    assert [d.version for d in selectors.source_versions(source=source)] == [1]


def test_a_new_source_whose_first_import_fails_is_not_listed(make_source):
    source = make_source(samples.DEEP_HTML)
    document = source.documents.get()
    assert document.status == DocumentStatus.FAILED
    assert source.current_document is None
    assert not selectors.source_list().filter(pk=source.pk).exists()
    assert not Passage.objects.exists()


# --- Retrying stalled imports -------------------------------------------------------------


def _pending(source, *, minutes_ago: int, attempts: int = 0, data: bytes | None = None) -> Document:
    data = data or passages_text(2, prefix=f"Stalled {minutes_ago}")
    document = Document.objects.create(source=source, import_format="text", attempts=attempts)
    DocumentUpload.objects.create(document=document, data=data, size=len(data))
    Document.objects.filter(pk=document.pk).update(
        created=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return document


def test_document_retry_stalled(make_source):
    source = make_source()
    stalled = _pending(source, minutes_ago=30)
    processing = _pending(source, minutes_ago=60, attempts=1)
    Document.objects.filter(pk=processing.pk).update(
        status=DocumentStatus.PROCESSING, import_started=timezone.now() - timedelta(minutes=50)
    )
    # Uploaded long ago but started a minute ago (the queue was long): still alive.
    working = _pending(source, minutes_ago=60, attempts=1)
    Document.objects.filter(pk=working.pk).update(
        status=DocumentStatus.PROCESSING, import_started=timezone.now() - timedelta(minutes=1)
    )
    fresh = _pending(source, minutes_ago=1)
    exhausted = _pending(source, minutes_ago=90, attempts=3)

    sent = services.document_retry_stalled(send=tasks.import_document.delay)

    assert sorted(sent) == sorted([stalled.pk, processing.pk])
    for document in (stalled, processing, fresh, exhausted):
        document.refresh_from_db()
    # Eager Celery in tests: the re-sent imports ran.
    assert stalled.status == DocumentStatus.READY
    assert processing.status == DocumentStatus.READY
    assert {stalled.version, processing.version} == {2, 3}
    assert fresh.status == DocumentStatus.PENDING
    working.refresh_from_db()
    assert working.status == DocumentStatus.PROCESSING
    assert exhausted.status == DocumentStatus.FAILED
    assert "did not finish after several attempts" in exhausted.error
    assert services.document_retry_stalled(send=tasks.import_document.delay) == []


def test_sweep_task_runs_the_service(make_source):
    from apps.sources.tasks import sweep_stalled_imports

    stalled = _pending(make_source(), minutes_ago=30)
    assert sweep_stalled_imports.delay().get() == [stalled.pk]


def test_broker_outage_does_not_fail_the_upload(user, run_on_commit, caplog):
    with (
        mock.patch("apps.sources.tasks.import_document.delay", side_effect=ConnectionError("down")),
        run_on_commit(),
    ):
        source = services.source_create(user=user, metadata=metadata(), data=samples.PLAIN_TEXT)
    document = source.documents.get()
    assert document.status == DocumentStatus.PENDING
    assert "the sweep will" in caplog.text


# --- The founding paper --------------------------------------------------------------------


def test_load_founding_paper_is_idempotent():
    source, changed = load_founding_paper()
    assert changed
    document = Source.objects.get(pk=source.pk).current_document
    passages = list(document.passages.values_list("pk", "anchor"))
    counts = row_counts()

    again, changed_again = load_founding_paper()

    assert not changed_again
    assert again.pk == source.pk
    assert row_counts() == counts
    assert Source.objects.get(pk=source.pk).current_document == document
    assert list(document.passages.values_list("pk", "anchor")) == passages


def test_founding_paper_metadata_and_passages(founding_paper):
    assert founding_paper.slug == "wong-2021-social-credit"
    for field in ("title", "authors", "year", "venue", "volume", "issue", "licence", "licence_url"):
        assert getattr(founding_paper, field) == FOUNDING_PAPER[field]
    document = founding_paper.current_document
    assert document.version == 1
    headings = list(document.passages.filter(kind="heading").values_list("text", flat=True))
    assert len(headings) == 4
    assert "Corresponding author" in document.front_matter
    assert not document.passages.filter(text__contains="Corresponding author").exists()
    assert (
        document.passages.filter(
            text__contains="have cooperated together in running pilot projects"
        ).count()
        == 1
    )


def test_founding_paper_metadata_is_refreshed(founding_paper):
    Source.objects.filter(pk=founding_paper.pk).update(venue="Wrong venue")
    source, changed = load_founding_paper()
    assert changed
    source.refresh_from_db()
    assert source.venue == FOUNDING_PAPER["venue"]
    assert source.documents.count() == 1


def test_load_starter_data_command_twice():
    from io import StringIO

    first, second = StringIO(), StringIO()
    call_command("load_starter_data", stdout=first)
    counts = row_counts()
    call_command("load_starter_data", stdout=second)
    assert "Loaded: wong-2021-social-credit" in first.getvalue()
    assert "Unchanged: wong-2021-social-credit" in second.getvalue()
    assert row_counts() == counts


# --- import_source management command -----------------------------------------------------


@pytest.fixture
def paper_file(tmp_path) -> Path:
    path = tmp_path / "paper.md"
    path.write_bytes(samples.MARKDOWN)
    return path


def run_import(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_source", *map(str, args), stdout=out)
    return out.getvalue()


def test_import_source_command_creates_a_source(paper_file, user):
    output = run_import(
        paper_file, "--title", "Scoring notes", "--author", "Ada Lovelace", "--author", "Grace Hopper",
        "--year", 2020, "--licence", "CC BY 4.0", "--doi", "doi:10.5555/xyz", "--user", user.username,
    )  # fmt: skip
    source = Source.objects.get()
    assert output.strip() == f"{source.slug} version 1: 4 passages"
    assert source.authors == ["Ada Lovelace", "Grace Hopper"]
    assert source.doi == "10.5555/xyz"
    assert source.added_by == user
    assert source.current_document.import_format == "markdown"
    assert source.current_document.created_by == user


def test_import_source_command_adds_a_version(paper_file, tmp_path):
    run_import(
        paper_file, "--title", "Scoring notes", "--author", "Ada Lovelace", "--slug", "notes"
    )
    second = tmp_path / "v2.txt"
    second.write_bytes(passages_text(3))
    output = run_import(second, "--source", "notes")
    assert output.strip() == "notes version 2: 4 passages"
    source = Source.objects.get(slug="notes")
    assert source.current_document.version == 2
    # Without --user and without a superuser, imports are recorded as a system account.
    assert source.added_by.username == "importer"
    assert not source.added_by.is_active


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp, f: [tmp / "missing.txt", "--title", "T"], "No such file"),
        (lambda tmp, f: [f], "--title is required"),
        (lambda tmp, f: [f, "--source", "nope"], "No source with slug 'nope'"),
        (lambda tmp, f: [f, "--title", "T", "--user", "ghost"], "No user 'ghost'"),
        (lambda tmp, f: [f, "--title", "T", "--doi", "nonsense"], "doi: A DOI looks like"),
        (
            lambda tmp, f: [f, "--title", "T", "--year", "3000"],
            "year: The year cannot be in the future",
        ),
    ],
    ids=["missing-file", "no-title", "unknown-source", "unknown-user", "bad-doi", "bad-year"],
)
def test_import_source_command_errors_store_nothing(paper_file, tmp_path, make_args, message):
    with pytest.raises(CommandError, match=message):
        run_import(*make_args(tmp_path, paper_file))
    assert Source.objects.count() == Document.objects.count() == 0


def test_import_source_command_rejects_a_bad_file(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(samples.PNG)
    with pytest.raises(CommandError, match="file: This file looks like a PNG image"):
        run_import(path, "--title", "T", "--author", "A")
    assert row_counts() == NOTHING


def test_import_source_command_reports_a_failed_import(tmp_path):
    path = tmp_path / "deep.html"
    path.write_bytes(samples.DEEP_HTML)
    with pytest.raises(CommandError, match="Import failed: This HTML page is nested too deeply"):
        run_import(path, "--title", "T", "--author", "A")
    assert not Passage.objects.exists()


# --- Metadata from the file ------------------------------------------------------------------

MARKDOWN_WITH_METADATA = (
    b"---\n"
    b"title: Scoring notes\n"
    b"date: 2019-05-04\n"
    b"journal: Journal of Scoring Studies\n"
    b"volume: 12\n"
    b"doi: https://doi.org/10.5555/scoring.12\n"
    b"url: https://example.org/scoring-notes\n"
    b"license: CC BY-SA 4.0\n"
    b"abstract: How scores sort people into groups.\n"
    b"publisher: " + b"x" * 400 + b"\n"
    b"---\n\n"
    b"# Introduction\n\nCredit scores sort people into groups.\n"
)


def test_empty_fields_are_filled_from_the_files_metadata(make_source):
    source = make_source(
        MARKDOWN_WITH_METADATA, filename="notes.md", year=None, licence="", licence_url=""
    )
    assert source.current_document.status == DocumentStatus.READY
    assert source.year == 2019
    assert source.venue == "Journal of Scoring Studies"
    assert source.volume == "12"
    assert source.doi == "10.5555/scoring.12"
    assert source.url == "https://example.org/scoring-notes"
    assert source.licence == "CC BY-SA 4.0"
    assert source.abstract == "How scores sort people into groups."
    assert source.publisher == ""  # too long for the field: left out, not cut
    assert source.title == "Scoring in Europe"  # what the uploader typed is kept
    assert source.history.first().history_change_reason.startswith("Filled from the file: year")


def test_what_the_uploader_typed_is_never_overwritten(make_source):
    source = make_source(MARKDOWN_WITH_METADATA, filename="notes.md", doi="10.1234/typed")
    assert source.year == 2022 and source.licence == "CC BY 4.0"
    assert source.doi == "10.1234/typed"


def test_malformed_metadata_is_left_out(make_source):
    data = (
        b"---\ndate: 3024\ndoi: not-a-doi\nurl: javascript:alert(1)\n---\n\n"
        b"# Notes\n\nCredit scores sort people into groups.\n"
    )
    source = make_source(data, filename="notes.md", year=None)
    assert source.current_document.status == DocumentStatus.READY
    assert (source.year, source.doi, source.url) == (None, "", "")
