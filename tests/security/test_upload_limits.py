"""Uploads are rate-limited per account and per address, more strictly for new accounts:
in the service (so every caller obeys), answered with 429 + Retry-After and a message
(the form's error on the page). Reproduced before: 12 uploads in 0.9 s from one account.

The suite raises the upload limits for every other test (tests/conftest.py); these tests
put the defaults back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.common.api import exception_handler
from apps.common.throttles import RateLimited
from apps.sources import services
from apps.sources.models import Document, DocumentUpload, PendingUpload, Source
from tests.factories import SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = b"Scores decide who may rent a flat.\n\nAnd who may borrow money.\n"


@pytest.fixture(autouse=True)
def default_upload_limits(settings):
    settings.WRITE_RATES = {
        kind: rates
        for kind, rates in getattr(settings, "WRITE_RATES", {}).items()
        if kind != "upload"
    }
    cache.clear()
    yield
    cache.clear()


def established_user(**kwargs):
    return UserFactory(date_joined=timezone.now() - timedelta(days=30), **kwargs)


def stored_rows() -> dict[str, int]:
    return {
        "sources": Source.objects.count(),
        "documents": Document.objects.count(),
        "uploads": DocumentUpload.objects.count(),
        "pending": PendingUpload.objects.count(),
    }


def upload(user, number: int, *, client_ip: str | None = "198.51.100.7") -> Source:
    return services.source_create(
        user=user,
        metadata=services.SourceMetadata(title=f"Scoring note {number}", authors=["A. Author"]),
        data=TEXT,
        filename=f"note-{number}.txt",
        client_ip=client_ip,
    )


def test_the_eleventh_upload_in_an_hour_is_refused_and_nothing_stored():
    user = established_user()
    for number in range(10):
        upload(user, number)
    before = stored_rows()
    with pytest.raises(RateLimited) as caught:
        upload(user, 10)
    assert 0 < caught.value.retry_after <= 3600
    assert "nothing was saved" in str(caught.value)
    assert stored_rows() == before == {"sources": 10, "documents": 10, "uploads": 10, "pending": 0}


def test_an_account_younger_than_a_day_may_upload_three_an_hour():
    user = UserFactory(date_joined=timezone.now() - timedelta(hours=2))
    for number in range(3):
        upload(user, number)
    with pytest.raises(RateLimited, match="new accounts have a lower limit"):
        upload(user, 3)
    assert Source.objects.count() == 3


def test_new_versions_count_against_the_same_limit():
    user = established_user()
    source = SourceFactory(added_by=user)
    for _number in range(10):
        services.document_upload(
            user=user, source=source, data=TEXT, filename="v.txt", client_ip="198.51.100.7"
        )
    with pytest.raises(RateLimited):
        upload(user, 11)
    with pytest.raises(RateLimited):
        services.document_upload(user=user, source=source, data=TEXT, client_ip="198.51.100.7")
    assert source.documents.count() == 10


def test_thirty_uploads_an_hour_per_address_across_accounts():
    """Fresh accounts do not buy more uploads from the same address."""
    for _account in range(3):
        user = established_user()
        for number in range(10):
            upload(user, number, client_ip="203.0.113.9")
    with pytest.raises(RateLimited):
        upload(established_user(), 0, client_ip="203.0.113.9")
    # Another address, same kind of account: allowed.
    upload(established_user(), 0, client_ip="203.0.113.10")
    assert Source.objects.count() == 31


def test_the_account_limit_holds_without_an_address():
    """A caller that has no request (or forgets the address) is still limited per account."""
    user = established_user()
    for number in range(10):
        upload(user, number, client_ip=None)
    with pytest.raises(RateLimited):
        upload(user, 10, client_ip=None)


def test_operators_command_is_not_limited(tmp_path):
    from django.core.management import call_command

    user = established_user(username="operator")
    path = tmp_path / "note.txt"
    path.write_bytes(TEXT)
    for number in range(11):
        call_command(
            "import_source",
            str(path),
            title=f"Note {number}",
            author=["A. Author"],
            user="operator",
        )
    assert Source.objects.filter(added_by=user).count() == 11


def form_data(number: int) -> dict:
    return {
        "title": f"Scoring note {number}",
        "authors": "A. Author",
        "source_type": "report",
        "language": "en",
        "file": SimpleUploadedFile(f"note-{number}.txt", TEXT),
    }


def test_the_upload_page_answers_429_with_retry_after_and_the_reason(client):
    user = established_user()
    client.force_login(user)
    for number in range(10):
        assert client.post(reverse("sources:add"), form_data(number)).status_code == 302
    before = stored_rows()
    response = client.post(reverse("sources:add"), form_data(10))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "You are saving faster than we allow" in response.text
    assert 'name="file"' in response.text  # the form is shown again
    assert stored_rows() == before


def test_the_new_version_page_answers_429(client):
    user = established_user()
    source = SourceFactory(added_by=user)
    client.force_login(user)
    url = reverse("sources:version_add", kwargs={"slug": source.slug})
    for number in range(10):
        response = client.post(url, {"file": SimpleUploadedFile(f"v{number}.txt", TEXT)})
        assert response.status_code == 302
    response = client.post(url, {"file": SimpleUploadedFile("v10.txt", TEXT)})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert source.documents.count() == 10


def test_the_page_limit_is_per_address_too(client):
    """REMOTE_ADDR is the address counted (behind the configured proxy, the proxy sets it)."""
    for _account in range(3):
        user = established_user()
        client.force_login(user)
        for number in range(10):
            response = client.post(
                reverse("sources:add"), form_data(number), REMOTE_ADDR="192.0.2.44"
            )
            assert response.status_code == 302
    client.force_login(established_user())
    response = client.post(reverse("sources:add"), form_data(99), REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 429


def test_the_api_answers_a_services_rate_limit_with_429_and_retry_after():
    """Any API view that lets a service's RateLimited through (the upload API among them)
    answers 429 with Retry-After and the message, not 403."""
    response = exception_handler(RateLimited("Slow down; nothing was saved.", retry_after=42), {})
    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert response.data["detail"].startswith("Slow down; nothing was saved.")
