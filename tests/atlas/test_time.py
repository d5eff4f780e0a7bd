"""Issue 15's time axis: entries with unknown years kept under a year filter unless the
reader asks otherwise, and the timeline chart (SVG with a data-table twin)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from apps.atlas.aggregates.timeline import timeline_data
from apps.atlas.entries.filters import ExampleFilters, parse_filters

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(user, make_published):
    return {
        "old": make_published(user, title="Old scheme", start_year=1990, end_year=2000),
        "running": make_published(user, title="Running scheme", start_year=2015),
        "unknown": make_published(user, title="Undated scheme", start_year=None),
        "ended": make_published(user, title="Ended undated", start_year=None, end_year=2005),
    }


def _titles(client, query: str) -> set[str]:
    return {e["title"] for e in client.get(f"/api/examples/?{query}").json()["results"]}


def test_unknown_years_are_kept_under_a_year_filter_by_default(client, entries):
    assert _titles(client, "year_from=2010") == {"Running scheme", "Undated scheme"}
    assert _titles(client, "year_from=2010&unknown_years=false") == {"Running scheme"}
    # A known end year before the range rules an entry out even with its start unknown.
    assert "Ended undated" not in _titles(client, "year_from=2010")
    assert _titles(client, "year_to=1995") == {"Old scheme", "Undated scheme", "Ended undated"}
    # No year filter: the toggle changes nothing.
    assert len(_titles(client, "unknown_years=false")) == 4
    bad = client.get("/api/examples/?unknown_years=maybe")
    assert bad.status_code == 400 and "unknown_years must be true or false" in bad.content.decode()


def test_the_default_is_left_out_of_shared_links():
    assert parse_filters({}).as_query() == {}
    assert parse_filters({"unknown_years": "false"}).as_query() == {"unknown_years": "false"}


def test_map_toggle_round_trips_through_the_form(client, entries):
    # The form sends a hidden "false" and, when ticked, "true" after it (the last wins).
    ticked = client.get("/atlas/?year_from=2010&unknown_years=false&unknown_years=true")
    html = ticked.content.decode()
    assert 'id="f-unknown-years" name="unknown_years" value="true" checked' in html
    assert "Undated scheme" in html
    unticked = client.get("/atlas/?year_from=2010&unknown_years=false").content.decode()
    assert 'value="true" checked' not in unticked
    table = unticked[
        unticked.index('id="entries-table"') : unticked.index(
            "</table>", unticked.index('id="entries-table"')
        )
    ]
    assert "Undated scheme" not in table and "Running scheme" in table


def test_timeline_counts_entries_in_force_per_year(entries):
    data = timeline_data(filters=ExampleFilters())
    years = data["years"]
    assert years[0] == 1990 and years[-1] == timezone.now().year
    totals = dict(zip(years, data["totals"], strict=True))
    assert totals[1990] == 1 and totals[2000] == 1 and totals[2001] == 0
    assert totals[2015] == 1 and totals[timezone.now().year] == 1
    assert data["unknown"] == 2
    # A year range narrows the axis, not the count.
    narrowed = timeline_data(filters=ExampleFilters(year_from=1995, year_to=2016))
    assert narrowed["years"] == list(range(1995, 2017))
    # A hostile range is clipped to the years an entry can have.
    wide = timeline_data(filters=ExampleFilters(year_from=1, year_to=9999))
    assert wide["years"][0] == 1900 and wide["years"][-1] == timezone.now().year


def test_timeline_is_drawn_with_a_table_twin(client, entries):
    for path in ("/atlas/", "/atlas/countries/DE/"):
        html = client.get(path).content.decode()
        assert 'role="img" aria-labelledby="timeline-svg-title timeline-svg-desc"' in html
        assert re.search(r'<g data-year="1995"><title>1995: 1 entry in force</title><rect', html)
        assert "2 entries with unknown years are not drawn." in html
        table = html[html.index('id="timeline-table-caption"') :]
        assert '<th scope="row">1990</th><td>1</td>' in table


def test_timeline_empty_says_so(client, db):
    html = client.get("/atlas/countries/FR/").content.decode()
    assert "No entry with a known start year matches." in html
