"""The read-only sources API: list, detail, versions, errors, auth, schema."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from apps.sources.citation import apa

from . import samples
from .conftest import passages_text

pytestmark = pytest.mark.django_db

LIST_QUERIES = 2  # count + page (current version joined)
DETAIL_QUERIES = 4  # source, versions, current document, passages
VERSION_QUERIES = 3  # source, document, passages


@pytest.fixture
def sources(make_source):
    return [
        make_source(
            title="Scoring in Europe", authors=["Ada Lovelace"], year=2020, source_type="paper"
        ),
        make_source(
            passages_text(2),
            title="Platform ratings",
            authors=["Jürgen Müller"],
            year=2021,
            source_type="report",
        ),
        make_source(
            passages_text(3),
            title="Blacklists",
            authors=["Grace Hopper"],
            year=2021,
            source_type="law",
        ),
    ]


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


# --- List --------------------------------------------------------------------------------


def test_list_shape(client, sources, make_source):
    make_source(samples.DEEP_HTML, title="Failed import")
    response = client.get("/api/sources/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["next"] is None and body["previous"] is None
    first = body["results"][0]
    assert first["title"] == "Blacklists"
    assert first["url"] == f"http://testserver/api/sources/{first['slug']}/"
    assert first["reader_url"] == f"http://testserver/sources/{first['slug']}/"
    assert first["current_version"] == 1
    assert first["authors"] == ["Grace Hopper"]
    assert first["source_type"] == "law"


def test_list_pagination(client, make_source, django_assert_max_num_queries):
    for i in range(7):
        make_source(passages_text(1, prefix=f"S{i}"), title=f"Source {i}")
    with django_assert_max_num_queries(LIST_QUERIES):
        page1 = client.get("/api/sources/", {"page_size": 3}).json()
    assert page1["count"] == 7
    assert [r["title"] for r in page1["results"]] == ["Source 0", "Source 1", "Source 2"]
    assert "page=2" in page1["next"]
    page3 = client.get(page1["next"].replace("page=2", "page=3")).json()
    assert [r["title"] for r in page3["results"]] == ["Source 6"]
    assert page3["next"] is None
    capped = client.get("/api/sources/", {"page_size": 10_000}).json()
    assert len(capped["results"]) == 7


def test_list_page_out_of_range_is_a_json_404(client, sources):
    response = client.get("/api/sources/", {"page": 99})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "platform"}, ["Platform ratings"]),
        ({"q": "hopper"}, ["Blacklists"]),
        ({"q": "Müller"}, ["Platform ratings"]),
        ({"type": "report"}, ["Platform ratings"]),
        ({"year": 2021}, ["Blacklists", "Platform ratings"]),
        ({"year": 2021, "type": "law"}, ["Blacklists"]),
        ({"q": "zebra"}, []),
    ],
)
def test_list_filters(client, sources, params, expected):
    response = client.get("/api/sources/", params)
    assert [r["title"] for r in response.json()["results"]] == expected


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        (
            {"type": "poem"},
            "type: Select a valid choice. poem is not one of the available choices.",
        ),
        ({"year": "soon"}, "year: Enter a number."),
    ],
)
def test_list_bad_filter_is_a_readable_400(client, sources, params, detail):
    response = client.get("/api/sources/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == detail
    assert list(body["errors"]) == list(params)


def test_list_query_count_does_not_grow_with_passages(
    client, make_source, django_assert_max_num_queries
):
    make_source(passages_text(200))
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get("/api/sources/").status_code == 200


# --- Detail ------------------------------------------------------------------------------


def test_detail(client, founding_paper):
    response = client.get("/api/sources/wong-2021-social-credit/")
    assert response.status_code == 200
    body = response.json()
    assert body["title"].startswith("Exploring China's Social Credit System")
    assert body["authors"] == ["Karen Li Xan Wong"]
    assert (body["year"], body["venue"], body["volume"], body["issue"]) == (
        2021,
        "Global Media Journal",
        "19",
        "57",
    )
    assert body["licence"] == "CC BY"
    assert body["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert body["current_version"] == 1
    assert body["versions"] == [
        {
            "version": 1,
            "import_format": "text",
            "created": body["versions"][0]["created"],
            "url": "http://testserver/api/sources/wong-2021-social-credit/versions/1/",
        }
    ]
    assert body["citation"]["apa"] == apa(founding_paper)
    assert body["citation"]["bibtex"].startswith("@article{wong2021exploring,")
    current = body["current"]
    assert current["version"] == 1
    document = founding_paper.current_document
    assert current["content_hash"] == document.content_hash
    assert current["text"] == document.text
    passages = current["passages"]
    assert len(passages) == 10
    assert [p["text"] for p in passages if p["kind"] == "heading"][0] == "Description"
    for passage in passages:
        assert current["text"][passage["start"] : passage["end"]] == passage["text"]
        assert set(passage) == {"id", "order", "kind", "section", "text", "start", "end", "anchor"}


def test_detail_of_a_source_without_a_readable_version(client, make_source):
    source = make_source(samples.DEEP_HTML)
    body = client.get(f"/api/sources/{source.slug}/").json()
    assert body["current"] is None
    assert body["current_version"] is None
    assert body["versions"] == []


def test_versions(client, make_source, upload_version):
    source = make_source()
    upload_version(source, samples.DEEP_HTML)  # failed, not listed
    upload_version(source, passages_text(2))
    body = client.get(f"/api/sources/{source.slug}/").json()
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["current"]["version"] == 2

    old = client.get(f"/api/sources/{source.slug}/versions/1/")
    assert old.status_code == 200
    assert old.json()["version"] == 1
    assert old.json()["passages"][0]["text"] == "Scoring in practice"


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/sources/nope/", "No source with this slug."),
        ("/api/sources/nope/versions/1/", "No source with this slug."),
        ("/api/sources/{slug}/versions/7/", "This version does not exist or is not ready."),
        ("/api/sources/{slug}/versions/2/", "This version does not exist or is not ready."),
    ],
    ids=["unknown-source", "unknown-source-version", "unknown-version", "failed-version"],
)
def test_not_found_is_json(client, make_source, upload_version, path, detail):
    source = make_source()
    upload_version(source, samples.DEEP_HTML)
    response = client.get(path.format(slug=source.slug))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize("passages", [10, 200])
def test_detail_and_version_query_counts_are_constant(
    client, make_source, passages, django_assert_max_num_queries
):
    source = make_source(passages_text(passages))
    with django_assert_max_num_queries(DETAIL_QUERIES):
        detail = client.get(f"/api/sources/{source.slug}/")
    assert len(detail.json()["current"]["passages"]) == passages + 1
    with django_assert_max_num_queries(VERSION_QUERIES):
        version = client.get(f"/api/sources/{source.slug}/versions/1/")
    assert len(version.json()["passages"]) == passages + 1


def test_api_writes_only_through_uploads(client, user, sources):
    client.force_login(user)
    # A source is added by uploading its file (tests/sources/test_api_uploads.py).
    response = client.post("/api/sources/", {"title": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["This field is required."]
    response = client.put(f"/api/sources/{sources[0].slug}/", {"title": "x"})
    assert response.status_code == 405
    assert "detail" in response.json()


# --- Authentication ----------------------------------------------------------------------


def test_token_authentication(client, user, sources):
    token = Token.objects.create(user=user)
    response = client.get("/api/sources/", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    bad = client.get("/api/sources/", headers={"Authorization": "Token not-a-real-token"})
    # A token client is challenged (401).
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"] == 'Token realm="api"'
    assert bad.json() == {"detail": "Invalid token."}
    write = client.post(
        "/api/annotations/", {}, content_type="application/json",
        headers={"Authorization": "Token not-a-real-token"},
    )  # fmt: skip
    assert write.status_code == 401 and write.json() == {"detail": "Invalid token."}


def test_a_write_without_credentials_is_challenged(client, sources):
    """The README's promise: no token (and no session) on a write is 401 with a
    challenge, not a bare 403."""
    response = client.post("/api/annotations/", {}, content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_session_authentication(client, user, sources):
    client.force_login(user)
    response = client.get("/api/sources/")
    assert response.status_code == 200
    assert response.wsgi_request.user == user


# --- Schema and docs ---------------------------------------------------------------------


def test_schema_is_valid_openapi(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/sources/",
        "/api/sources/{slug}/",
        "/api/sources/{slug}/versions/{version}/",
    ):
        assert path in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/sources/"]["get"]["parameters"]}
    assert {"q", "type", "year", "page", "page_size"} <= parameters


def test_schema_generates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_swagger_ui_is_served_offline(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.text
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
