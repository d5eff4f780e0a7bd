"""``search_after`` cursors in the search API: every hit once, in order, stable when new
matches arrive between two requests (issue 18)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _get(client, **params):
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _walk(client, q: str, page_size: int, between=None) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []
    payload = _get(client, q=q, page_size=page_size)
    pages = 0
    while True:
        seen += [(hit["kind"], hit["id"]) for hit in payload["results"]]
        cursor = payload["next_search_after"]
        if not cursor:
            return seen
        pages += 1
        if between and pages == 1:
            between()
        payload = _get(client, q=q, page_size=page_size, search_after=cursor)
        assert payload["next"] is None or "search_after=" in payload["next"]


@pytest.fixture
def wombats(annotate, user):
    return [annotate(user, f"Wombat note number {n} about wombat burrows") for n in range(7)]


def test_cursors_walk_every_hit_once_in_order(client, wombats):
    everything = _get(client, q="wombat", page_size=50)
    expected = [(hit["kind"], hit["id"]) for hit in everything["results"]]
    assert everything["next_search_after"] is None
    assert len(expected) == 7

    assert _walk(client, "wombat", 3) == expected


def test_cursors_are_stable_under_inserts(client, wombats, annotate, user):
    before = [(hit["kind"], hit["id"]) for hit in _get(client, q="wombat", page_size=50)["results"]]
    new = []

    def insert():
        # Ranks first (a tag weighs like a title): with page numbers it would push a hit
        # of page 1 onto page 2 and show it twice.
        new.append(annotate(user, "Wombat", tags=["wombat"]))

    walked = _walk(client, "wombat", 3, between=insert)

    assert len(walked) == len(set(walked)), "no hit twice"
    assert walked == before  # the new one ranks above the cursor: not shown later
    assert ("annotation", new[0].pk) in [
        (hit["kind"], hit["id"]) for hit in _get(client, q="wombat", page_size=50)["results"]
    ]


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", "W10", "x" * 500, "WzEuMCwibm9raW5kIiwxXQ", "WyJhIiwiYW5ub3RhdGlvbiIsMV0",
     "WzEuMCwiYW5ub3RhdGlvbiIsdHJ1ZV0", "\u00e9\u00e9"],
)  # fmt: skip
def test_a_cursor_we_did_not_give_out_is_a_400(client, wombats, cursor):
    response = client.get("/api/search/", {"q": "wombat", "search_after": cursor})
    assert response.status_code == 400
    assert "search_after" in response.json()["errors"]


def test_page_and_cursor_together_is_a_400(client, wombats):
    cursor = _get(client, q="wombat", page_size=3)["next_search_after"]
    response = client.get("/api/search/", {"q": "wombat", "page": 2, "search_after": cursor})
    assert response.status_code == 400


def test_cursor_page_query_count(client, wombats, django_assert_max_num_queries):
    cursor = _get(client, q="wombat", page_size=3)["next_search_after"]
    with django_assert_max_num_queries(12):
        _get(client, q="wombat", page_size=3, search_after=cursor)
