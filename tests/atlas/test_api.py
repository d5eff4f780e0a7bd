from __future__ import annotations

import csv
import io
import json

import pytest
from rest_framework.test import APIClient

from apps.atlas.models import Evidence, Example, PassageLink
from apps.atlas.starter import load_starter_data

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db

ENTRY_KEYS = {
    "id", "url", "title", "slug", "summary", "summary_html", "country", "region", "category",
    "operator", "scored", "data_sources", "consequences", "transparency", "contestable",
    "legal_basis", "legal_note", "lifecycle", "start_year", "end_year", "confidence", "status",
    "evidence", "passages", "author", "contributors", "created", "modified", "version",
    "citations",  # value citations, added through apps/atlas/extensions.py by apps/coding
}  # fmt: skip
# "id": what a value citation names (apps/coding).
EVIDENCE_KEYS = {"id", "title", "url", "doi", "publisher", "published", "accessed", "page", "quote"}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user_api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def moderator_api(moderator):
    client = APIClient()
    client.force_authenticate(moderator)
    return client


@pytest.fixture
def starter(founding_paper):
    list(load_starter_data())


def payload(**overrides):
    body = {
        "title": "Tenant screening scores",
        "summary": "Landlords buy *risk scores* on applicants.",
        "country": "US",
        "category": "tenant-screening",
        "operator": "private",
        "scored": "individuals",
        "data_sources": ["financial", "government_records"],
        "consequences": ["access_restrictions"],
        "transparency": "opaque",
        "contestable": "yes",
        "legal_basis": "statute",
        "legal_note": "FCRA",
        "lifecycle": "active",
        "start_year": 2005,
        "end_year": None,
        "confidence": "high",
        "evidence": [
            {
                "title": "Screened out",
                "url": "https://example.org/screened",
                "publisher": "Example News",
                "published": "2020-05-01",
                "accessed": "2024-02-01",
            }
        ],
        "passages": [],
    }
    body.update(overrides)
    return body


def test_entry_shape(api, starter, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):  # + value citations (apps/coding), + lifecycle events
        response = api.get("/api/examples/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    entry = next(e for e in body["results"] if e["title"] == "Schufa geo-scoring")
    assert set(entry) == ENTRY_KEYS
    assert entry["country"] == "DE" and entry["category"] == "geo-scoring"
    assert entry["status"] == "published" and entry["author"] is None
    assert entry["url"].endswith(f"/api/examples/{entry['id']}/")
    assert set(entry["evidence"][0]) == EVIDENCE_KEYS
    assert entry["evidence"][0]["url"].endswith("/sources/wong-2021-social-credit/")
    assert entry["passages"][0]["relation"] == "illustrates"
    assert isinstance(entry["passages"][0]["passage"], int)


def test_list_query_count_does_not_grow(
    api, starter, user, make_published, django_assert_max_num_queries
):
    for index in range(10):
        make_published(user, title=f"Entry {index}")
    # The category filter, the count, the page, and one prefetch each for evidence,
    # passage links and contributors: never one per entry.
    with django_assert_max_num_queries(8):  # + value citations (apps/coding), + lifecycle events
        response = api.get("/api/examples/?category=geo-scoring")
    assert response.json()["count"] == 11


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("country=de", ["Schufa geo-scoring"]),
        ("category=financial-credit-scoring", ["Sesame Credit (Alibaba)"]),
        ("operator=state", ["Covid-19 compliance enforcement through the social credit system"]),
        ("lifecycle=active", ["Schufa geo-scoring"]),
        # Entries with unknown years are kept under a year filter unless asked not to
        # (tests/atlas/test_time.py has the default).
        (
            "year=2021&unknown_years=false",
            ["Covid-19 compliance enforcement through the social credit system"],
        ),
        ("q=alibaba", ["Sesame Credit (Alibaba)"]),
        ("consequence=public_naming", ["Social credit system red lists and blacklists"]),
    ],
)
def test_list_filters(api, starter, query, titles):
    response = api.get(f"/api/examples/?{query}")
    assert response.status_code == 200
    assert [e["title"] for e in response.json()["results"]] == titles


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("category=astrology", "category: Unknown category “astrology”"),
        ("country=ZZ", "country: Unknown country “ZZ”"),
        ("operator=aliens", "operator: Unknown operator “aliens”"),
        ("lifecycle=zombie", "lifecycle: Unknown lifecycle “zombie”"),
        ("year=soon", "year: “soon” is not a year."),
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/examples/",
        "/api/atlas/countries/",
        "/api/examples/export.csv",
        "/api/examples/export.geojson",
        "/api/examples/export.jsonld",
    ],
)
def test_unknown_filter_values_are_a_clear_400(api, starter, path, query, message):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)


def test_create_as_draft_then_submit_and_publish(
    user_api, moderator_api, api, schufa_passage, run_on_commit
):
    body = payload(passages=[{"passage": schufa_passage.pk, "relation": "contrasts", "note": "US"}])
    response = user_api.post("/api/examples/", body, format="json")
    assert response.status_code == 201, response.json()
    entry = response.json()
    assert entry["status"] == "draft" and entry["version"] == 1
    assert entry["summary_html"] == "<p>Landlords buy <em>risk scores</em> on applicants.</p>\n"
    assert entry["passages"] == [
        {"passage": schufa_passage.pk, "relation": "contrasts", "note": "US", "quote": None}
    ]
    assert entry["author"]
    # Drafts are invisible to others.
    assert api.get(f"/api/examples/{entry['id']}/").status_code == 404
    assert api.get("/api/examples/").json()["count"] == 0
    assert api.get("/api/atlas/countries/").json() == []
    response = user_api.post(f"/api/examples/{entry['id']}/transition/", {"to": "submitted"})
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    with run_on_commit():
        response = moderator_api.post(
            f"/api/examples/{entry['id']}/transition/", {"to": "published"}
        )
    assert response.json()["status"] == "published"
    assert api.get(f"/api/examples/{entry['id']}/").status_code == 200
    assert api.get("/api/atlas/countries/").json() == [
        {"country": "US", "name": "United States of America", "count": 1,
         "categories": {"tenant-screening": 1}}
    ]  # fmt: skip


def test_create_and_submit_in_one_step(user_api):
    response = user_api.post("/api/examples/", payload(submit=True), format="json")
    assert response.json()["status"] == "submitted"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"country": "XX"}, "country: Unknown country “XX”"),
        ({"category": "astrology"}, "category: Unknown category “astrology”"),
        ({"start_year": 2010, "end_year": 2005}, "end_year: The end year (2005) is before"),
        ({"start_year": 3000}, "start_year: The start year cannot be in the future"),
        ({"evidence": []}, "evidence: Add at least one piece of evidence"),
        ({"evidence": [{"title": "x", "url": "not a url"}]}, "evidence.1: Evidence 1: “not a url”"),
        ({"evidence": [{"title": "x", "doi": "10/abc"}]}, "evidence.1: Evidence 1: “10/abc” is not a DOI"),
        ({"passages": [{"passage": 987654}]}, "passages.1: Passage 987654 does not exist"),
        ({"summary": "y" * 5001}, "summary: The summary is 5,001 characters long"),
        ({"data_sources": "financial"}, "data_sources: Expected a list"),
    ],
)  # fmt: skip
def test_create_bad_input_is_400_and_stores_nothing(user_api, overrides, message):
    response = user_api.post("/api/examples/", payload(**overrides), format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message), response.json()
    assert Example.objects.count() == Evidence.objects.count() == PassageLink.objects.count() == 0


def test_anonymous_cannot_create(api):
    response = api.post("/api/examples/", payload(), format="json")
    assert response.status_code == 401  # challenged: WWW-Authenticate: Token
    assert Example.objects.count() == 0


def test_patch_with_version(user_api, other_user):
    entry = user_api.post("/api/examples/", payload(), format="json").json()
    url = f"/api/examples/{entry['id']}/"
    response = user_api.patch(url, {"region": "California", "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["region"] == "California" and response.json()["version"] == 2
    response = user_api.patch(url, {"region": "Texas", "version": 1}, format="json")
    assert response.status_code == 409
    assert "Someone else changed this entry" in response.json()["detail"]
    response = user_api.patch(
        url, {"evidence": [evidence_data().__dict__ | {"published": "2019-01-01", "accessed": None}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    assert stranger.patch(url, {"region": "Nope"}, format="json").status_code == 404
    assert Example.objects.get().region == "California"


def test_patch_bad_input_keeps_entry(user_api):
    entry = user_api.post("/api/examples/", payload(), format="json").json()
    response = user_api.patch(f"/api/examples/{entry['id']}/", {"category": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "category: Unknown category “nope”."
    assert Example.objects.get().category.slug == "tenant-screening"


def test_forbidden_transition_is_403_and_changes_nothing(user_api):
    entry = user_api.post("/api/examples/", payload(submit=True), format="json").json()
    response = user_api.post(f"/api/examples/{entry['id']}/transition/", {"to": "published"})
    assert response.status_code == 403
    assert "You may not change this entry" in response.json()["detail"]
    response = user_api.post(f"/api/examples/{entry['id']}/transition/", {"to": "archived"})
    assert response.status_code == 400
    assert "cannot go from “Submitted for review” to “Archived”" in response.json()["detail"]
    assert Example.objects.get().status == "submitted"


def test_out_of_scope_moderator_gets_403_with_why_and_nothing_changes(
    user_api, moderator_api, french_moderator
):
    entry = user_api.post("/api/examples/", payload(submit=True), format="json").json()
    moderator_api.post(f"/api/examples/{entry['id']}/transition/", {"to": "published"})
    client = APIClient()
    client.force_authenticate(french_moderator)
    response = client.post(
        f"/api/examples/{entry['id']}/transition/", {"to": "archived", "reason": "Duplicate"}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This entry is about United States of America, which is outside the countries you moderate."
    )
    response = client.patch(f"/api/examples/{entry['id']}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 403
    example = Example.objects.get()
    assert example.status == "published" and example.title == "Tenant screening scores"


def test_countries_endpoint(api, starter, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = api.get("/api/atlas/countries/")
    assert response.json() == [
        {"country": "CN", "name": "China", "count": 3,
         "categories": {"government-blacklists": 1, "financial-credit-scoring": 1,
                        "public-health-compliance": 1}},
        {"country": "DE", "name": "Germany", "count": 1, "categories": {"geo-scoring": 1}},
    ]  # fmt: skip
    filtered = api.get("/api/atlas/countries/?category=geo-scoring&has_passage=true").json()
    assert [row["country"] for row in filtered] == ["DE"]


def test_country_detail(api, starter, moderator, django_assert_max_num_queries):
    from apps.atlas.research_status import services as research_status

    research_status.research_status_mark(actor=moderator, country="DE", category="tenant-screening")
    with django_assert_max_num_queries(9):  # + value citations (apps/coding), + lifecycle events
        response = api.get("/api/atlas/countries/de/")
    body = response.json()
    assert body["country"] == "DE" and body["count"] == 1
    assert body["researched_none_found"] == ["tenant-screening"]
    assert [e["title"] for e in body["examples"]] == ["Schufa geo-scoring"]
    empty = api.get("/api/atlas/countries/FR/").json()
    assert (empty["count"], empty["examples"]) == (0, [])
    response = api.get("/api/atlas/countries/QQ/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Unknown country code “QQ”."


def test_csv_export(api, starter, user, django_assert_max_num_queries):
    from apps.atlas.entries import services as entry_services

    entry_services.example_create(
        author=user, data=example_data(country="FR"), evidence=[evidence_data()]
    )
    with django_assert_max_num_queries(
        7
    ):  # + value citations, + the latest release (Cite this dataset), + lifecycle events
        response = api.get("/api/examples/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 4  # the draft in France is not exported
    schufa = next(r for r in rows if r["country"] == "DE")
    assert schufa["licence"] == "CC BY 4.0"
    assert "Schufa geo-scoring [Atlas entry]. In Creditscape atlas" in schufa["cite_as"]
    assert "(Version 1). Creditscape." in schufa["cite_as"]
    assert schufa["consequences"] == "access_restrictions;price_differences"
    assert "#p-" in schufa["passages"]
    filtered = api.get("/api/examples/export.csv?country=CN&lifecycle=pilot")
    assert len(list(csv.DictReader(io.StringIO(filtered.content.decode())))) == 2


def test_geojson_export_validates(
    api, starter, user, make_published, django_assert_max_num_queries
):
    make_published(user, country="EU", title="EU-wide scoring", category="other")
    with django_assert_max_num_queries(
        7
    ):  # + value citations, + the latest release (Cite this dataset), + lifecycle events
        response = api.get("/api/examples/export.geojson")
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert data["licence"] == "CC BY 4.0" and "Creditscape atlas" in data["citation"]
    assert len(data["features"]) == 5
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        if feature["properties"]["supranational"]:
            assert geometry is None
            continue
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    germany = next(f for f in data["features"] if f["properties"]["country"] == "DE")
    lon, lat = germany["geometry"]["coordinates"]
    assert 5 < lon < 16 and 47 < lat < 56


def test_jsonld_export(api, starter, django_assert_max_num_queries):
    with django_assert_max_num_queries(
        7
    ):  # + value citations, + the latest release (Cite this dataset), + lifecycle events
        response = api.get("/api/examples/export.jsonld?country=DE")
    assert response["Content-Type"] == "application/ld+json"
    data = json.loads(response.content)
    assert data["@type"] == "Dataset"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "Creditscape atlas" in data["creditText"]
    (part,) = data["hasPart"]
    assert part["name"] == "Schufa geo-scoring"
    assert part["spatialCoverage"]["identifier"] == "DE"
    assert part["isBasedOn"][0].startswith("http://testserver/sources/wong-2021-social-credit/")
