"""Issue 15's small things a reader notices: plurals, category names, unknown years, the
starter-data sentence, and a failed fetch told apart from "nothing matches"."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def _map_data(client, path="/atlas/") -> dict:
    html = client.get(path).content.decode()
    start = html.index('id="atlas-map-data"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_map_labels_are_whole_plural_phrases_and_categories_have_names(
    client, user, make_published
):
    make_published(user, title="Schufa geo-scoring")
    make_published(user, title="Chinese credit", country="CN", category="geo-scoring")
    make_published(user, title="Chinese credit 2", country="CN", category="geo-scoring")
    data = _map_data(client)
    assert data["count_labels"]["DE"] == "Germany: 1 entry"
    assert data["count_labels"]["CN"] == "China: 2 entries"
    assert data["category_names"]["geo-scoring"] == "Geo-scoring and neighbourhood scoring"
    assert data["labels"]["error"] and data["labels"]["error"] != data["labels"]["empty"]


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (None, None, "years unknown"),
        (2014, None, "since 2014"),
        (2014, 2020, "2014–2020"),
        (None, 2020, "until 2020 (start unknown)"),
    ],
)
def test_years_are_said_in_words_on_entry_country_and_compare_pages(
    client, user, make_published, start, end, shown
):
    entry = make_published(user, start_year=start, end_year=end)
    pages = [
        entry.get_absolute_url(),
        "/atlas/countries/DE/",
        "/atlas/compare/?countries=DE",
    ]
    for path in pages:
        html = client.get(path).content.decode()
        assert shown in html, path
        assert "unknown –" not in html and "?–" not in html, path


def test_starter_data_sentence_only_where_entries_exist(client, user, make_published):
    html = client.get("/atlas/countries/FR/").content.decode()
    assert "starter data" not in html
    assert "no published entries" in html
    # An entry without a contributor (starter data is loaded with no author).
    entry = make_published(user, country="FR")
    entry.author = None
    entry.save(update_fields=["author"])
    entry.contributors.all().delete()
    html = client.get("/atlas/countries/FR/").content.decode()
    assert "starter data" in html


# --- Countries by name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("China", "CN"),
        ("china", "CN"),
        ("  CN ", "CN"),
        ("CHN", "CN"),
        ("156", "CN"),
        ("USA", "US"),
        ("United States of America", "US"),
        ("European Union", "EU"),
        ("eu", "EU"),
        ("Bonaire, Sint Eustatius and Saba", "BQ"),
    ],
)
def test_country_code_reads_names_codes_and_aliases(typed, code):
    from apps.atlas.dimensions import Scope
    from apps.common.countries import country_code

    assert country_code(typed, extra=dict(Scope.choices)) == code


@pytest.mark.parametrize("typed", ["", "Atlantis", "QQ", "9" * 2000, "\x00", "x" * 2048])
def test_country_code_never_raises_on_hostile_input(typed):
    from apps.common.countries import country_code

    assert country_code(typed) is None


def test_compare_by_country_names(client, user, make_published):
    make_published(user, title="Chinese credit", country="CN")
    response = client.get(
        "/atlas/compare/", {"countries": "China, Germany, Bonaire, Sint Eustatius and Saba"}
    )
    html = response.content.decode()
    assert response.status_code == 200, html
    assert "Chinese credit" in html and ">Germany<" in html
    bad = client.get("/atlas/compare/", {"countries": "China, Atlantis"})
    assert bad.status_code == 400 and "Unknown country “Atlantis”." in bad.content.decode()


def test_filters_and_entry_api_take_a_country_name(client, user, make_published):
    from .conftest import api

    make_published(user, title="Chinese credit", country="CN")
    make_published(user, title="Schufa geo-scoring")
    listed = client.get("/api/examples/", {"country": "China"}).json()
    assert [e["title"] for e in listed["results"]] == ["Chinese credit"]
    assert client.get("/api/examples/", {"country": "CN"}).json()["count"] == 1
    payload = {
        "title": "Tenant screening", "summary": "Landlords buy scores.", "country": "United States",
        "category": "tenant-screening",
        "evidence": [{"title": "Screened", "url": "https://example.org/s", "published": "2020-01-01"}],
    }  # fmt: skip
    created = api(user).post("/api/examples/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["country"] == "US"


def test_forms_render_the_country_combobox(client, user):
    client.force_login(user)
    for path in ("/atlas/examples/new/", "/atlas/compare/", "/accounts/profile/"):
        response = client.get(path)
        if response.status_code == 404:
            continue
        assert "data-country-combobox" in response.content.decode(), path
    assert b"country-combobox.js" in client.get("/atlas/").content
