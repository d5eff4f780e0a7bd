"""Issue 15: the entries table under the map (sorted and paged on the server, the map's
filters) and comparing 2–4 systems side by side (page, CSV, JSON)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from apps.atlas.aggregates import selectors
from apps.atlas.entries.filters import ExampleFilters

pytestmark = pytest.mark.django_db


def _table_titles(html: str) -> list[str]:
    body = html[html.index('id="entries-table"') :]
    body = body[: body.index("</table>")]
    return re.findall(r'<th scope="row" data-label="Title"><a href="[^"]+">([^<]+)</a>', body)


@pytest.fixture
def three(user, make_published):
    return [
        make_published(user, title="Beta scores", start_year=2010),
        make_published(user, title="Alpha scores", country="CN", start_year=None),
        make_published(
            user, title="Gamma scores", country="FR", start_year=2020, lifecycle="pilot"
        ),
    ]


def test_table_lists_published_entries_sorted_and_filtered_like_the_map(client, three):
    html = client.get("/atlas/").content.decode()
    assert _table_titles(html) == ["Alpha scores", "Beta scores", "Gamma scores"]
    assert 'aria-sort="ascending"' in html
    html = client.get("/atlas/?sort=-title").content.decode()
    assert _table_titles(html) == ["Gamma scores", "Beta scores", "Alpha scores"]
    assert 'aria-sort="descending"' in html
    # Unknown years last, whichever the direction.
    assert _table_titles(client.get("/atlas/?sort=years").content.decode())[-1] == "Alpha scores"
    assert _table_titles(client.get("/atlas/?sort=-years").content.decode())[-1] == "Alpha scores"
    # The map's filters apply; a country by name too.
    assert _table_titles(client.get("/atlas/?lifecycle=pilot").content.decode()) == ["Gamma scores"]
    assert _table_titles(client.get("/atlas/?country=China").content.decode()) == ["Alpha scores"]
    # An unknown sort key falls back to the default instead of failing.
    assert client.get("/atlas/?sort=password").status_code == 200


def test_table_is_paged_on_the_server_with_filters_kept(client, user, make_published):
    for n in range(selectors.TABLE_PAGE_SIZE + 2):
        make_published(user, title=f"Entry {n:02d}", country="DE")
    html = client.get("/atlas/?country=DE&sort=title").content.decode()
    assert len(_table_titles(html)) == selectors.TABLE_PAGE_SIZE
    assert "country=DE&amp;sort=title&amp;page=2" in html
    page2 = client.get("/atlas/?country=DE&sort=title&page=2").content.decode()
    assert _table_titles(page2) == ["Entry 25", "Entry 26"]
    # A hostile page number shows a page, never a 500.
    assert client.get("/atlas/?page=99999999999999999999").status_code == 200
    assert client.get("/atlas/?page=%00").status_code in (200, 400)  # NUL: refused site-wide


def test_table_query_count_is_flat(user, make_published, django_assert_max_num_queries):
    for n in range(10):
        make_published(user, title=f"Entry {n}")
    with django_assert_max_num_queries(4):
        page = selectors.entries_table(filters=ExampleFilters(), sort="-evidence")
        rows = [(e.title, e.category.name, e.evidence_count, e.years_display) for e in page]
    assert len(rows) == 10 and rows[0][2] == 1


def test_map_page_query_count_with_the_table(client, three, django_assert_max_num_queries):
    client.get("/atlas/")  # warm the aggregate cache and the HTTP cache versions
    with django_assert_max_num_queries(14):
        assert client.get("/atlas/?sort=country&page=1").status_code == 200


# --- Compare systems ------------------------------------------------------------------------


def test_compare_systems_side_by_side_with_differences_and_evidence(client, three):
    beta, alpha, gamma = three
    response = client.get(f"/atlas/compare/?entries={beta.pk},{alpha.pk},{gamma.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert head.index("Beta scores") < head.index("Alpha scores") < head.index("Gamma scores")
    for dimension in ("operator", "scored", "data_sources", "consequences", "transparency",
                      "contestable", "legal_basis", "lifecycle", "confidence", "years"):  # fmt: skip
        assert f'data-dimension="{dimension}"' in html, dimension
    assert re.search(r'class="differs" data-dimension="lifecycle"', html)
    assert re.search(r'class="" data-dimension="operator"', html)
    assert f'href="#evidence-{alpha.pk}"' in html and f'id="evidence-{alpha.pk}"' in html
    assert "https://example.org/schufa" in html
    assert "years unknown" in html


def test_compare_systems_accepts_the_tables_checkbox_form(client, three):
    beta, alpha, _ = three
    response = client.get("/atlas/compare/", {"entries": [str(beta.pk), str(alpha.pk)]})
    assert response.status_code == 200
    assert f"entries={beta.pk},{alpha.pk}" in response.content.decode()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("{beta}", "Choose at least 2 entries to compare."),
        ("{beta},{beta}", "Choose at least 2 entries to compare."),
        ("{beta},{alpha},{gamma},999997,999998", "Compare at most 4 entries at once."),
        ("{beta},999999", "Entry 999999 is not a published entry."),
        ("{beta},abc", "“abc” is not an entry number."),
        ("{beta},%s" % ("9" * 40), "is not an entry number."),
        ("{beta},\x00", None),  # a NUL byte: refused site-wide before the view
    ],
)
def test_compare_systems_bad_input_is_a_400_with_a_message(client, three, entries, message):
    beta, alpha, gamma = three
    entries = entries.format(beta=beta.pk, alpha=alpha.pk, gamma=gamma.pk)
    for path in ("/atlas/compare/", "/atlas/compare.csv", "/atlas/compare.json"):
        response = client.get(path, {"entries": entries})
        assert response.status_code == 400, path
        if message is None:
            continue
        if path.endswith(".json"):
            assert message in response.json()["detail"], path
        else:
            assert message in response.content.decode(), path


def test_unpublished_entries_cannot_be_compared(client, user, three):
    from apps.atlas.entries import services as entry_services

    from .conftest import evidence_data, example_data

    draft = entry_services.example_create(
        author=user, data=example_data(title="My draft"), evidence=[evidence_data()],
        passages=[], submit=False, confirm_distinct=True,
    )  # fmt: skip
    response = client.get(f"/atlas/compare/?entries={three[0].pk},{draft.pk}")
    assert response.status_code == 400 and "My draft" not in response.content.decode()


def test_compare_systems_csv_and_json(client, three):
    beta, alpha, _ = three
    query = f"?entries={beta.pk},{alpha.pk}"
    rows = list(csv.reader(io.StringIO(client.get("/atlas/compare.csv" + query).content.decode())))
    assert rows[0] == ["Dimension", "Beta scores", "Alpha scores", "Differs"]
    by_label = {row[0]: row[1:] for row in rows}
    assert by_label["Country"] == ["Germany (DE)", "China (CN)", "yes"]
    assert by_label["Operator"] == ["Private company", "Private company", ""]
    assert by_label["Licence"] == ["CC BY 4.0"]
    data = client.get("/atlas/compare.json" + query).json()
    assert [e["id"] for e in data["entries"]] == [beta.pk, alpha.pk]
    assert data["entries"][0]["evidence"][0]["published"] == "2018-11-28"
    years = next(d for d in data["dimensions"] if d["name"] == "years")
    assert years["differs"] is True
    assert years["values"][1] == {
        "value": {"start_year": None, "end_year": None},
        "label": ["years unknown"],
        "citations": [],  # uncited (tests/coding/test_citations.py checks cited ones)
    }


def test_compare_systems_query_count(client, three, django_assert_max_num_queries):
    ids = ",".join(str(e.pk) for e in three)
    client.get(f"/atlas/compare/?entries={ids}")
    with django_assert_max_num_queries(14):
        assert client.get(f"/atlas/compare/?entries={ids}&x=1").status_code == 200


def test_entry_page_offers_add_to_comparison(client, three):
    html = client.get(three[0].get_absolute_url()).content.decode()
    assert f'data-compare-add="{three[0].pk}"' in html and "compare-basket.js" in html
