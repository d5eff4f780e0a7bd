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
