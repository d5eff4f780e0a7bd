"""Writing through the sources API: uploads (a new source, a new version or a proposal),
import status, accept / reject / withdraw, maintainers. Same validation and messages as
the pages (the page's forms validate), same services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from apps.moderation.models import AuditLogEntry
from apps.sources.models import Document, DocumentStatus, Source, SourceMaintainer
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

from . import samples
from .conftest import passages_text, row_counts

pytestmark = pytest.mark.django_db

# An anonymous write: 403 for a browser session (CSRF-protected, no challenge), 401 with a
# challenge for token clients (apps/common/api.py).
ANONYMOUS_WRITE = (401, 403)
VERSIONS_QUERIES = 7  # session, user, roles, source, maintainer check, versions
STATUS_QUERIES = 6  # session, user, document with source, roles, maintainer check


def upload(data: bytes = samples.PLAIN_TEXT, name: str = "paper.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def metadata(**overrides) -> dict:
    values = {
        "title": "Scoring in Europe",
        "authors": ["Ada Lovelace", "Grace Hopper"],
        "year": "2022",
        "source_type": "paper",
        "language": "en",
        "file": upload(),
    }
    values.update(overrides)
    return values


# --- New source ----------------------------------------------------------------------------


def test_upload_a_source(client, user, run_on_commit):
    client.force_login(user)
    with run_on_commit():
        response = client.post("/api/sources/", metadata())
    assert response.status_code == 202
    data = response.json()
    document = Document.objects.get()
    assert data == {
        "document": document.pk,
        "source": document.source.slug,
        "status": "pending",
        "proposed": False,
        "import_status": "pending",
        "status_url": f"http://testserver/api/sources/imports/{document.pk}/",
    }
    assert response["Location"] == data["status_url"]
    source = Source.objects.get()
    assert source.authors == ["Ada Lovelace", "Grace Hopper"] and source.added_by == user
    assert list(SourceMaintainer.objects.values_list("user", flat=True)) == [user.pk]
    status = client.get(data["status_url"]).json()
    assert status["status"] == "ready" and status["version"] == 1
    assert status["reader_url"] == f"http://testserver/sources/{source.slug}/versions/1/"


def test_upload_with_a_token(client, user):
    token = Token.objects.create(user=user)
    response = client.post(
        "/api/sources/", metadata(), headers={"Authorization": f"Token {token.key}"}
    )
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"file": upload(samples.PNG, "x.png")}, "file", "This file looks like a PNG image"),
        ({"file": upload(b"", "empty.txt")}, "file", "The submitted file is empty."),
        ({"title": ""}, "title", "This field is required."),
        ({"authors": [" ", ""]}, "authors", "This field is required."),
        ({"doi": "nonsense"}, "doi", "A DOI looks like 10.1234/abcd"),
        ({"year": "3000"}, "year", "The year cannot be in the future."),
    ],
    ids=["png", "empty", "no-title", "no-author", "bad-doi", "future-year"],
)
def test_bad_upload_is_a_400_with_field_errors_and_stores_nothing(
    client, user, overrides, field, message
):
    client.force_login(user)
    response = client.post("/api/sources/", metadata(**overrides))
    assert response.status_code == 400
    body = response.json()
    assert message in body["errors"][field][0] and message in body["detail"]
    assert row_counts() == {"sources": 0, "documents": 0, "uploads": 0, "passages": 0}


def test_oversize_upload_has_the_pages_message(client, user, settings):
    settings.SOURCE_UPLOAD_MAX_BYTES = 100
    client.force_login(user)
    response = client.post("/api/sources/", metadata(file=upload(b"x" * 500)))
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [
        "The file is 500\xa0bytes; the limit is 100\xa0bytes."
    ]
    assert row_counts()["documents"] == 0


def test_anonymous_uploads_are_refused(client):
    response = client.post("/api/sources/", metadata())
    assert response.status_code in ANONYMOUS_WRITE
    response = client.post(
        "/api/sources/", metadata(), headers={"Authorization": "Token not-a-real-token"}
    )
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Token realm="api"'
    assert row_counts()["sources"] == 0


def test_api_uploads_obey_the_upload_rate(client, settings):
    """The page's limits (tests/security/test_upload_limits.py), through the API: 429 with
    Retry-After, nothing stored."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    settings.WRITE_RATES = {
        kind: rates for kind, rates in settings.WRITE_RATES.items() if kind != "upload"
    }
    cache.clear()
    user = UserFactory(date_joined=timezone.now() - timedelta(days=30))
    client.force_login(user)
    for number in range(10):
        response = client.post("/api/sources/", metadata(title=f"Note {number}"))
        assert response.status_code == 202
    before = row_counts()
    response = client.post("/api/sources/", metadata(title="One too many"))
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 3600
    source = Source.objects.first()
    response = client.post(f"/api/sources/{source.slug}/versions/", {"file": upload()})
    assert response.status_code == 429
    assert row_counts() == before
    cache.clear()


# --- New version / proposal ----------------------------------------------------------------


@pytest.fixture
def source(make_source, user):
    return make_source(passages_text(3), by=user)


def test_a_maintainers_version_is_published(client, source, user, run_on_commit):
    client.force_login(user)
    with run_on_commit():
        response = client.post(
            f"/api/sources/{source.slug}/versions/", {"file": upload(passages_text(4))}
        )
    assert response.status_code == 202
    assert response.json()["status"] == "pending" and response.json()["proposed"] is False
    source.refresh_from_db()
    assert source.current_document.version == 2


def test_anyone_elses_version_comes_back_proposed(client, source, run_on_commit):
    proposer = UserFactory()
    client.force_login(proposer)
    with run_on_commit():
        response = client.post(
            f"/api/sources/{source.slug}/versions/", {"file": upload(passages_text(4))}
        )
    assert response.status_code == 202
    data = response.json()
    assert data["status"] == "proposed" and data["proposed"] is True
    source.refresh_from_db()
    assert source.current_document.version == 1
    status = client.get(data["status_url"]).json()
    assert status["status"] == "proposed" and status["proposed"] is True
    # The proposer reads it through the API; nobody else does.
    assert client.get(f"/api/sources/{source.slug}/versions/2/").json()["status"] == "proposed"
    client.logout()
    assert client.get(f"/api/sources/{source.slug}/versions/2/").status_code == 404
    assert client.get(data["status_url"]).status_code in (401, 403, 404)
    client.force_login(UserFactory())
    assert client.get(data["status_url"]).status_code == 404


def test_bad_version_upload_stores_nothing(client, source):
    client.force_login(UserFactory())
    before = row_counts()
    response = client.post(f"/api/sources/{source.slug}/versions/", {"file": upload(samples.PNG)})
    assert response.status_code == 400 and "PNG" in response.json()["errors"]["file"][0]
    response = client.post(f"/api/sources/{source.slug}/versions/", {})
    assert response.json()["errors"]["file"] == ["This field is required."]
    assert row_counts() == before


def test_versions_list_depends_on_the_viewer(
    client, source, user, upload_version, django_assert_max_num_queries
):
    proposer = UserFactory()
    upload_version(source, passages_text(4), by=proposer)
    upload_version(source, passages_text(5), by=user)
    url = f"/api/sources/{source.slug}/versions/"

    def seen():
        return [(v["version"], v["status"]) for v in client.get(url).json()]

    assert seen() == [(1, "ready"), (3, "ready")]
    client.force_login(proposer)
    assert seen() == [(1, "ready"), (2, "proposed"), (3, "ready")]
    client.force_login(user)
    with django_assert_max_num_queries(VERSIONS_QUERIES):
        rows = client.get(url).json()
    assert rows[1]["proposed_against"] == 1 and rows[1]["uploaded_by"] == proposer.username
    assert rows[1]["diff_url"] == f"http://testserver/api/sources/{source.slug}/diff/?from=1&to=2"


def test_import_status_query_count(client, source, user, django_assert_max_num_queries):
    client.force_login(user)
    with django_assert_max_num_queries(STATUS_QUERIES):
        response = client.get(f"/api/sources/imports/{source.current_document.pk}/")
    assert response.json()["status"] == "ready"


# --- Decisions -------------------------------------------------------------------------------


@pytest.fixture
def proposal(source, upload_version):
    return upload_version(source, passages_text(4), by=UserFactory(username="proposer"))


def decide(client, source, version, action, **body):
    return client.post(
        f"/api/sources/{source.slug}/versions/{version}/{action}/",
        body,
        content_type="application/json",
    )


def test_accept_through_the_api(client, source, proposal, user):
    client.force_login(user)
    response = decide(client, source, 2, "accept", reason="Clearer")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ready" and data["decided_by"] == user.username
    assert data["decision_reason"] == "Clearer"
    source.refresh_from_db()
    assert source.current_document_id == proposal.pk


def test_accept_conflict_is_a_409_with_the_diff(client, source, proposal, user, upload_version):
    upload_version(source, passages_text(6), by=user)
    client.force_login(user)
    response = decide(client, source, 2, "accept", reason="Clearer")
    assert response.status_code == 409
    data = response.json()
    assert data["current_version"] == 3 and data["proposed_against"] == 1
    assert data["diff_url"] == f"http://testserver/api/sources/{source.slug}/diff/?from=3&to=2"
    assert "Version 3 became the current version" in data["detail"]
    assert decide(client, source, 2, "accept", reason="Ok", current_version=3).status_code == 200


def test_decision_errors(client, source, proposal, user):
    client.force_login(user)
    response = decide(client, source, 2, "accept", reason="")
    assert response.status_code == 400 and "Give a reason" in response.json()["detail"]
    assert decide(client, source, 2, "approve", reason="x").status_code == 404
    assert decide(client, source, 9, "accept", reason="x").status_code == 404
    response = decide(client, source, 1, "withdraw", reason="x")
    assert response.status_code == 400
    assert "only published version" in response.json()["detail"]
    client.force_login(UserFactory())
    assert decide(client, source, 1, "withdraw", reason="x").status_code == 403
    client.logout()
    assert decide(client, source, 2, "reject", reason="x").status_code in ANONYMOUS_WRITE
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED
    assert not AuditLogEntry.objects.exists()


def test_reject_and_withdraw_through_the_api(client, source, proposal, user, upload_version):
    client.force_login(user)
    assert decide(client, source, 2, "reject", reason="No").json()["status"] == "rejected"
    upload_version(source, passages_text(7), by=user)
    assert decide(client, source, 3, "withdraw", reason="Wrong").json()["status"] == "withdrawn"
    source.refresh_from_db()
    assert source.current_document.version == 1


# --- Maintainers -----------------------------------------------------------------------------


def test_maintainers_list_query_count(client, source, user, django_assert_max_num_queries):
    from apps.sources.services import maintainer_add

    for n in range(5):
        UserFactory(username=f"colleague{n}")
        maintainer_add(actor=user, source=source, username=f"colleague{n}")
    with django_assert_max_num_queries(2):  # the source, the maintainers with their users
        assert len(client.get(f"/api/sources/{source.slug}/maintainers/").json()) == 6


def test_maintainers_api(client, source, user):
    UserFactory(username="colleague", display_name="A Colleague")
    url = f"/api/sources/{source.slug}/maintainers/"
    assert client.get(url).json() == [{"username": user.username, "name": user.public_name}]
    client.force_login(user)
    response = client.post(url, {"username": "colleague"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json() == {"username": "colleague", "name": "A Colleague"}
    response = client.post(url, {"username": "ghost"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["username"] == ["There is no account named “ghost”."]
    assert client.delete(f"{url}colleague/").status_code == 204
    assert client.delete(f"{url}colleague/").status_code == 400
    client.force_login(UserFactory())
    response = client.post(url, {"username": "colleague"}, content_type="application/json")
    assert response.status_code == 403
    assert client.delete(f"{url}{user.username}/").status_code == 403
    client.force_login(make_moderator())
    assert client.delete(f"{url}{user.username}/").status_code == 204
    assert not SourceMaintainer.objects.exists()
    assert AuditLogEntry.objects.filter(action="maintainer_change").count() == 3
