"""``?release=<version>`` on the map and the exports shows the data as frozen in that
release, with a banner linking to the current data; "Cite this dataset" names that
release (the latest on the live pages) on the atlas and comparison pages and in every
export."""

from __future__ import annotations

import csv
import io
import json

import pytest

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions

pytestmark = pytest.mark.django_db


def test_the_map_shows_a_release_as_it_was_and_says_so(client, moderator, entries, cut):
    cut(moderator, "1.0.0")
    schufa, sesame, _social = entries
    entry_services.example_update(actor=moderator, example=schufa, changes={"country": "FR"})
    transitions.example_transition(actor=moderator, example=sesame, to="archived", reason="x")
    live = client.get("/atlas/").content.decode()
    assert "data as of release" not in live
    old = client.get("/atlas/?release=1.0.0")
    html = old.content.decode()
    assert old.status_code == 200
    assert "data as of release 1.0.0" in html and 'href="/atlas/"' in html
    data = json.loads(
        html.split('id="atlas-map-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["countries"] == {"CN": 2, "DE": 1}
    assert data["query"]["release"] == "1.0.0"
    assert json.loads(
        live.split('id="atlas-map-data" type="application/json">')[1].split("</script>")[0]
    )["countries"] == {"CN": 1, "FR": 1}
    filtered = client.get("/atlas/?release=1.0.0&lifecycle=pilot&consequence=price_differences")
    assert '"countries": {"CN": 1}' in filtered.content.decode()
    assert client.get("/atlas/?release=9.9.9").status_code == 404
    assert client.get("/atlas/?release=%3Cscript%3E").status_code == 404


def test_exports_take_a_release_and_cite_the_latest(client, moderator, entries, cut):
    # One request each: a body served from the page cache lacks the extra headers (noticed,
    # not this change's: http_cache stores the content type and body only).
    first = client.get("/api/examples/export.csv")
    before = first.content
    assert "Retrieved" in first["X-Citation"]
    cut(moderator, "1.0.0")
    entry_services.example_update(
        actor=moderator, example=entries[0], changes={"title": "Schufa renamed"}
    )
    response = client.get("/api/examples/export.csv?release=1.0.0")
    assert response.content == before
    assert "Version 1.0.0" in response["X-Citation"]
    current = client.get("/api/examples/export.csv")
    assert "Version 1.0.0" in current["X-Citation"]
    assert b"Schufa renamed" in current.content
    only_cn = client.get("/api/examples/export.csv?release=1.0.0&country=CN").content.decode()
    rows = list(csv.DictReader(io.StringIO(only_cn)))
    assert sorted(row["title"] for row in rows) == ["Sesame Credit", "Social Credit System"]
    geojson = client.get("/api/examples/export.geojson?release=1.0.0&has_passage=true").json()
    assert [f["properties"]["title"] for f in geojson["features"]] == ["Schufa geo-scoring"]
    jsonld = client.get("/api/examples/export.jsonld?release=1.0.0").json()
    assert jsonld["version"] == "1.0.0" and len(jsonld["hasPart"]) == 3


def test_the_atlas_page_cites_the_latest_release(client, moderator, entries, cut):
    assert "No release has been cut yet" in client.get("/atlas/").content.decode()
    cut(moderator, "1.0.0")
    cut(moderator, "1.1.0")
    html = client.get("/atlas/").content.decode()
    assert "Cite this dataset" in html and "(Version 1.1.0) [Data set]" in html


def test_country_pages_and_their_api_take_a_release(client, moderator, entries, cut):
    cut(moderator, "1.0.0")
    schufa = entries[0]
    entry_services.example_update(
        actor=moderator, example=schufa, changes={"title": "Schufa renamed"}
    )
    page = client.get("/atlas/countries/DE/?release=1.0.0").content.decode()
    assert "data as of release 1.0.0" in page and 'href="/atlas/countries/DE/"' in page
    assert "Schufa geo-scoring" in page and "Schufa renamed" not in page
    assert "Schufa renamed" in client.get("/atlas/countries/DE/").content.decode()
    assert (
        'href="/atlas/countries/DE/?release=1.0.0"'
        in client.get("/atlas/?release=1.0.0").content.decode()
    )
    detail = client.get("/api/atlas/countries/DE/?release=1.0.0").json()
    assert detail["count"] == 1 and detail["release"] == "1.0.0"
    assert [e["title"] for e in detail["examples"]] == ["Schufa geo-scoring"]
    assert detail["examples"][0]["slug"] == schufa.slug
    rows = client.get("/api/atlas/countries/?release=1.0.0").json()
    assert {row["country"]: row["count"] for row in rows} == {"CN": 2, "DE": 1}
    assert client.get("/api/atlas/countries/DE/?release=2.0.0").status_code == 404


def test_the_comparison_and_its_csv_take_a_release(client, moderator, entries, cut):
    cut(moderator, "1.0.0")
    _schufa, sesame, _social = entries
    transitions.example_transition(actor=moderator, example=sesame, to="archived", reason="x")
    page = client.get("/atlas/compare/?countries=CN,DE&release=1.0.0").content.decode()
    assert "data as of release 1.0.0" in page
    assert "Financial credit scoring (1)" in page  # Sesame Credit, archived since
    assert (
        "Financial credit scoring"
        not in client.get("/atlas/compare/?countries=CN,DE").content.decode()
    )
    frozen = client.get("/atlas/compare.csv?countries=CN,DE&release=1.0.0").content.decode()
    assert "Financial credit scoring (1)" in frozen and "(Version 1.0.0)" in frozen
    live = client.get("/atlas/compare.csv?countries=CN,DE").content.decode()
    assert "(Version 1.0.0) [Data set]" in live  # cites the latest release
    assert client.get("/atlas/compare/?release=1.0.0").status_code == 200


def test_a_page_as_of_a_release_cites_that_release(client, moderator, entries, cut):
    """Journey 7: a reviewer opening the map or the comparison "as of 1.0.0" is told to
    cite 1.0.0, not a later release whose data they are not looking at; the live pages
    (the systems comparison too) cite the latest."""
    cut(moderator, "1.0.0")
    cut(moderator, "1.1.0")
    for url in ("/atlas/?release=1.0.0", "/atlas/compare/?countries=CN,DE&release=1.0.0"):
        html = client.get(url).content.decode()
        assert "(Version 1.0.0) [Data set]" in html, url
        assert "Version 1.1.0" not in html, url
    schufa, sesame, _social = entries
    for url in (
        "/atlas/compare/?countries=CN,DE",
        f"/atlas/compare/?entries={schufa.pk},{sesame.pk}",
    ):
        html = client.get(url).content.decode()
        assert "Cite this dataset" in html and "(Version 1.1.0) [Data set]" in html, url
