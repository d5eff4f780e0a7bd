"""The releases API and pages through HTTP: cutting (who, what input), reading a release,
its files (ETag = SHA-256, immutable, 304), progress, and the pages' query counts."""

from __future__ import annotations

import hashlib

import pytest

from apps.releases.models import Release
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

from .conftest import api, file_bytes

pytestmark = pytest.mark.django_db


def test_a_global_moderator_cuts_a_release_through_the_api(moderator, entries, run_on_commit):
    with run_on_commit():
        response = api(moderator).post(
            "/api/releases/",
            {"version": "1.0.0", "title": "First", "notes": "Hello"},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert response.json()["version"] == "1.0.0"
    detail = api().get("/api/releases/1.0.0/").json()
    assert detail["status"] == "ready"
    assert detail["entry_count"] == 3
    assert {f["name"] for f in detail["files"]} >= {"entries.csv", "CITATION.cff"}
    assert detail["cite"]["csl_json"]["version"] == "1.0.0"
    assert {row["code"]: row["n"] for row in detail["counts"]["places"]} == {"CN": 2, "DE": 1}
    assert [r["version"] for r in api().get("/api/releases/").json()] == ["1.0.0"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"version": "1.0", "title": "T"}, "version"),
        ({"version": "1.0.0\u0000", "title": "T"}, None),
        ({"version": "1.0.0", "title": "x" * 2048}, "title"),
        ({"version": "1.0.0"}, "title"),
        ({"version": ["1.0.0"], "title": "T"}, "version"),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_stored(moderator, payload, field):
    response = api(moderator).post("/api/releases/", payload, format="json")
    assert response.status_code == 400
    if field:
        assert field in response.json() or field in str(response.json())
    assert not Release.objects.exists()


def test_others_may_not_cut_a_release(db):
    assert api().post("/api/releases/", {}, format="json").status_code == 401
    for user in (UserFactory(), make_moderator(countries=["DE"])):
        response = api(user).post(
            "/api/releases/", {"version": "1.0.0", "title": "T"}, format="json"
        )
        assert response.status_code == 403
    assert not Release.objects.exists()


def test_files_are_served_immutable_with_their_sha256_as_etag(client, moderator, entries, cut):
    release = cut(moderator, "1.0.0")
    response = client.get("/api/releases/1.0.0/files/entries.csv")
    body = b"".join(response.streaming_content)
    digest = hashlib.sha256(body).hexdigest()
    assert response["ETag"] == f'"{digest}"'
    assert response["Content-Length"] == str(len(body))
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/csv")
    assert release.files.get(name="entries.csv").sha256 == digest
    again = client.get("/api/releases/1.0.0/files/entries.csv", HTTP_IF_NONE_MATCH=f'"{digest}"')
    assert again.status_code == 304
    assert client.get("/api/releases/1.0.0/files/nope.txt").status_code == 404
    assert client.get("/api/releases/1.0.0/files/..%2Fsettings.py").status_code == 404
    assert client.get("/api/releases/9.9.9/files/entries.csv").status_code == 404
    assert client.get("/api/releases/" + "9" * 3000 + "/").status_code == 404


def test_a_large_file_streams_in_chunks(client, moderator, entries, cut, monkeypatch):
    monkeypatch.setattr("apps.releases.services.FILE_CHUNK_BYTES", 100)
    release = cut(moderator, "1.0.0")
    stored = release.files.get(name="entries.geojson")
    assert stored.chunks.count() == -(-stored.size // 100)
    body = file_bytes(client, release, "entries.geojson")
    assert hashlib.sha256(body).hexdigest() == stored.sha256


def test_progress_is_never_cached(client, moderator, entries, cut):
    cut(moderator, "1.0.0")
    response = client.get("/api/releases/1.0.0/progress/")
    assert response.json()["status"] == "ready"
    assert "no-store" in response["Cache-Control"]


def test_the_pages_show_downloads_citations_and_counts(
    client, moderator, entries, cut, django_assert_max_num_queries
):
    release = cut(moderator, "1.0.0", notes="<script>alert(1)</script>**bold**")
    with django_assert_max_num_queries(8):
        page = client.get("/atlas/releases/1.0.0/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in html and "<strong>bold</strong>" in html
    for name in ("entries.csv", "CITATION.cff", "datapackage.json", "SHA256SUMS"):
        assert f"/api/releases/1.0.0/files/{name}" in html
    assert release.files.get(name="entries.csv").sha256 in html
    assert "@misc{creditscape-atlas-1-0-0" in html
    assert "China" in html and "Financial credit scoring" in html
    with django_assert_max_num_queries(4):
        listing = client.get("/atlas/releases/")
    assert "1.0.0" in listing.content.decode()


def test_the_new_release_form(client, moderator, entries, run_on_commit):
    client.force_login(moderator)
    assert client.get("/atlas/releases/new/").status_code == 200
    bad = client.post("/atlas/releases/new/", {"version": "one", "title": "T"})
    assert bad.status_code == 400 and "three numbers" in bad.content.decode()
    with run_on_commit():
        good = client.post("/atlas/releases/new/", {"version": "1.0.0", "title": "T"})
    assert good.status_code == 302 and good["Location"] == "/atlas/releases/1.0.0/"
    assert Release.objects.get().status == "ready"
    client.force_login(UserFactory())
    assert client.get("/atlas/releases/new/").status_code == 403
