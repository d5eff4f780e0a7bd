"""Adding a source in two steps: the file, then its details pre-filled from the file; the
file is kept server-side until confirmed or abandoned (apps/sources/services/pending.py)."""

from __future__ import annotations

import datetime
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.sources import services, tasks
from apps.sources.models import DocumentStatus, PendingUpload, Source
from apps.sources.services.pending import MAX_PENDING_PER_USER
from tests import samples as shared_samples

from . import samples
from .adding import ADD_URL, add_source, details_data, details_url, upload_file
from .conftest import row_counts

pytestmark = pytest.mark.django_db


def reader_url(source, version) -> str:
    return reverse("sources:reader_version", kwargs={"slug": source.slug, "version": version})


def assert_form_error(response, message: str) -> None:
    assert response.status_code == 200, "a bad form is shown again, not redirected"
    assert "Please correct the errors below." in response.text
    assert message in html.unescape(response.text)


def nothing_stored() -> dict:
    return {**row_counts(), "pending": PendingUpload.objects.count()}


# --- Step one: the file ----------------------------------------------------------------------


def test_adding_requires_login(client, user):
    response = client.get(ADD_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert upload_file(client).status_code == 302
    assert nothing_stored() == {
        "sources": 0, "documents": 0, "uploads": 0, "passages": 0, "pending": 0
    }  # fmt: skip


def test_step_one_asks_for_the_file_only(user_client, django_assert_max_num_queries):
    # session, user, the notification badge, the waiting uploads
    with django_assert_max_num_queries(5):
        response = user_client.get(ADD_URL)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert 'name="file"' in response.text and 'for="id_file"' in response.text
    assert 'name="title"' not in response.text


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (
            samples.MARKDOWN,
            "notes.md",
            {"title": "Scoring notes", "authors": "Ada Lovelace", "year": "2020"},
        ),
        (samples.PLAIN_TEXT, "paper.txt", {"title": "Scoring in practice"}),
        (
            shared_samples.pdf_bytes(title="Geo-scoring in Europe", author="Jane Doe; John Roe"),
            "paper.pdf",
            {"title": "Geo-scoring in Europe", "authors": "Jane Doe\nJohn Roe"},
        ),
        (
            b"<!doctype html><html><head><title>Site</title>"
            b'<meta name="citation_title" content="Scoring &amp; credit">'
            b'<meta name="citation_author" content="Doe, Jane">'
            b'<meta name="citation_author" content="Roe, John">'
            b'<meta name="citation_publication_date" content="2021/06/17">'
            b'<meta name="citation_doi" content="10.1234/abc.5">'
            b"</head><body><article><p>" + samples.PLAIN_TEXT * 3 + b"</p></article></body></html>",
            "page.html",
            {
                "title": "Scoring & credit",
                "authors": "Doe, Jane\nRoe, John",
                "year": "2021",
                "doi": "10.1234/abc.5",
            },
        ),
    ],
    ids=["markdown-front-matter", "text-first-line", "pdf-info", "html-citation-tags"],
)
def test_step_two_is_prefilled_from_the_file(user_client, user, data, name, expected):
    response = upload_file(user_client, data, name)
    pending = PendingUpload.objects.get()
    assert response.status_code == 302 and response.url == details_url(pending)
    assert pending.owner == user and bytes(pending.data) == data
    page = user_client.get(response.url)
    assert page.status_code == 200
    form = page.context["form"]
    for field, value in expected.items():
        assert str(form[field].value()) == value, field
    assert name in page.text
    assert nothing_stored()["sources"] == 0


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("photo.txt", samples.PNG), "This file looks like a PNG image."),
        (SimpleUploadedFile("archive.txt", samples.ZIP), "This file looks like a ZIP archive"),
        (SimpleUploadedFile("data.txt", samples.BINARY), "its content is binary"),
        (SimpleUploadedFile("broken.pdf", samples.broken_pdf()), "This PDF is damaged"),
        (SimpleUploadedFile("locked.pdf", samples.encrypted_pdf()), "This PDF is password-protected."),
        (SimpleUploadedFile("scan.pdf", samples.no_text_pdf()), "This PDF has no extractable text"),
        (SimpleUploadedFile("old.txt", samples.INVALID_UTF8), "This file is not valid UTF-8"),
        (SimpleUploadedFile("empty.txt", b""), "The submitted file is empty."),
        (SimpleUploadedFile("blank.txt", b"\n  \n"), "The file is empty."),
        ("", "This field is required."),
    ],
    ids=[
        "png", "zip", "binary", "broken-pdf", "encrypted-pdf", "no-text-pdf", "bad-encoding",
        "empty", "blank", "no-file",
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_at_step_one_and_nothing_is_kept(user_client, file, message):
    before = nothing_stored()
    response = user_client.post(ADD_URL, {"file": file})
    assert_form_error(response, message)
    assert nothing_stored() == before


def test_an_oversize_file_is_refused(user_client, settings):
    settings.SOURCE_UPLOAD_MAX_BYTES = 1000
    response = upload_file(user_client, samples.PLAIN_TEXT * 20)
    assert_form_error(response, "the limit is 1000")
    assert PendingUpload.objects.count() == 0


def test_uploads_waiting_are_capped_per_person(user_client, user):
    for _number in range(MAX_PENDING_PER_USER):
        assert upload_file(user_client).status_code == 302
    response = upload_file(user_client)
    assert_form_error(response, f"You have {MAX_PENDING_PER_USER} uploads waiting")
    assert PendingUpload.objects.count() == MAX_PENDING_PER_USER
    page = user_client.get(ADD_URL)
    assert page.text.count(details_url(PendingUpload.objects.first())) == 1
    assert "Waiting for their details" in page.text


# --- Step two: the details -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "import_format"),
    [
        (samples.PLAIN_TEXT, "paper.txt", "text"),
        (samples.MARKDOWN, "notes.md", "markdown"),
        (samples.HTML, "page.html", "html"),
        (samples.article_pdf(), "article.pdf", "pdf"),
        # Detection ignores the name: a PDF called .txt is still a PDF.
        (samples.article_pdf(), "misnamed.txt", "pdf"),
    ],
    ids=["text", "markdown", "html", "pdf", "misnamed-pdf"],
)
def test_confirmed_details_become_a_source(
    user_client, user, run_on_commit, data, name, import_format
):
    with run_on_commit():
        response = add_source(user_client, data, name, doi="https://doi.org/10.1234/xyz")
    source = Source.objects.get()
    document = source.documents.get()
    status_url = reverse("sources:import_status", kwargs={"document_id": document.pk})
    assert response.status_code == 302
    assert response.url == status_url
    assert source.title == "Scoring in Europe"
    assert source.authors == ["Ada Lovelace", "Grace Hopper"]
    assert source.doi == "10.1234/xyz"
    assert source.added_by == user
    assert document.status == DocumentStatus.READY
    assert document.import_format == import_format
    assert document.original_filename == name
    assert PendingUpload.objects.count() == 0, "the kept file is gone once confirmed"

    status_page = user_client.get(status_url)
    assert "Version 1 is ready." in status_page.text
    assert f'href="{reader_url(source, 1)}"' in status_page.text
    assert "Thank you. The file is being imported." in status_page.text
    assert user_client.get(reader_url(source, 1)).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"year": "3000"}, "The year cannot be in the future."),
        ({"year": "999"}, "Ensure this value is greater than or equal to 1000."),
        ({"year": "nineteen"}, "Enter a whole number."),
        ({"doi": "doi:12.34/x"}, "A DOI looks like 10.1234/abcd"),
        ({"url": "http://"}, "Enter a valid URL."),
        ({"authors": " \n "}, "This field is required."),
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 2048}, "Ensure this value has at most 500 characters"),
        ({"source_type": "poem"}, "Select a valid choice."),
        ({"slug": "Not a slug"}, "Enter a valid “slug”"),
    ],
    ids=[
        "future-year", "ancient-year", "word-year", "bad-doi", "bad-url", "no-authors",
        "no-title", "2kb-title", "bad-type", "bad-slug",
    ],
)  # fmt: skip
def test_bad_details_keep_the_file_and_what_was_typed(
    user_client, run_on_commit, overrides, message
):
    upload_file(user_client, samples.MARKDOWN, "notes.md")
    pending = PendingUpload.objects.get()
    with run_on_commit():
        response = user_client.post(details_url(pending), details_data(**overrides))
    assert_form_error(response, message)
    assert row_counts() == {"sources": 0, "documents": 0, "uploads": 0, "passages": 0}
    kept = PendingUpload.objects.get()
    assert bytes(kept.data) == samples.MARKDOWN
    assert "notes.md" in response.text
    if "licence" not in overrides:
        assert 'value="CC BY 4.0"' in response.text, "what was typed is shown again"


def test_a_nul_byte_is_refused_with_400_and_the_file_is_kept(user_client):
    upload_file(user_client)
    pending = PendingUpload.objects.get()
    response = user_client.post(details_url(pending), details_data(title="Scoring\x00report"))
    assert response.status_code == 400
    assert Source.objects.count() == 0
    assert user_client.get(details_url(pending)).status_code == 200


def test_slug_clash_keeps_the_file(user_client, make_source):
    make_source(slug="scoring")
    before = row_counts()
    response = add_source(user_client, slug="scoring")
    assert_form_error(response, "A source with this short name already exists; choose another.")
    assert row_counts() == before
    assert PendingUpload.objects.count() == 1


def test_confirming_twice_creates_one_source(user_client):
    upload_file(user_client)
    url = details_url(PendingUpload.objects.get())
    assert user_client.post(url, details_data()).status_code == 302
    assert user_client.post(url, details_data()).status_code == 404
    assert Source.objects.count() == 1


def test_a_failed_import_is_shown_on_the_status_page(user_client, run_on_commit):
    with run_on_commit():
        response = add_source(user_client, samples.DEEP_HTML, "deep.html")
    document = Source.objects.get().documents.get()
    assert document.status == DocumentStatus.FAILED
    page = user_client.get(response.url)
    assert "This HTML page is nested too deeply to be read safely." in page.text
    assert row_counts()["passages"] == 0


# --- Only the owner ---------------------------------------------------------------------------


def test_only_the_owner_sees_confirms_or_abandons(client, user, other_user):
    client.force_login(user)
    upload_file(client)
    pending = PendingUpload.objects.get()
    abandon_url = reverse("sources:add_abandon", kwargs={"pending_id": pending.pk})

    client.force_login(other_user)
    assert client.get(details_url(pending)).status_code == 404
    assert client.post(details_url(pending), details_data()).status_code == 404
    assert client.post(abandon_url).status_code == 404
    assert "paper.txt" not in client.get(ADD_URL).text
    client.logout()
    assert client.get(details_url(pending)).status_code == 302
    assert client.post(abandon_url).status_code == 302
    assert PendingUpload.objects.count() == 1 and Source.objects.count() == 0

    other_id = "00000000-0000-4000-8000-000000000000"
    client.force_login(user)
    assert client.get(f"/sources/add/{other_id}/").status_code == 404
    assert client.get(abandon_url).status_code == 405
    response = client.post(abandon_url)
    assert response.status_code == 302 and response.url == ADD_URL
    assert PendingUpload.objects.count() == 0 and Source.objects.count() == 0


def test_services_refuse_someone_elses_pending_upload(user, other_user):
    from django.core.exceptions import PermissionDenied

    pending = services.pending_upload_create(
        user=user, data=samples.PLAIN_TEXT, filename="a.txt", throttle=False
    )
    with pytest.raises(PermissionDenied):
        services.pending_upload_confirm(
            user=other_user,
            pending=pending,
            metadata=services.SourceMetadata(title="Mine now", authors=["X"]),
        )
    with pytest.raises(PermissionDenied):
        services.pending_upload_abandon(user=other_user, pending=pending)
    assert PendingUpload.objects.count() == 1 and Source.objects.count() == 0


# --- Clean-up ---------------------------------------------------------------------------------


def test_the_periodic_task_deletes_only_old_pending_uploads(user, settings):
    settings.SOURCE_PENDING_UPLOAD_HOURS = 24
    old = services.pending_upload_create(user=user, data=samples.PLAIN_TEXT, throttle=False)
    fresh = services.pending_upload_create(user=user, data=samples.MARKDOWN, throttle=False)
    PendingUpload.objects.filter(pk=old.pk).update(
        created=timezone.now() - datetime.timedelta(hours=25)
    )
    assert tasks.clean_pending_uploads.delay().get() == 1
    assert list(PendingUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert tasks.clean_pending_uploads.delay().get() == 0


def test_the_clean_up_is_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["sources-clean-pending-uploads"]
    assert schedule["task"] == "apps.sources.tasks.clean_pending_uploads"
