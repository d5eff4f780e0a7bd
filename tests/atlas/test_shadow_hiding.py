"""Shadow-hiding covers every place an author's content is listed (issue 12).

A shadow-hidden author's published entry stays visible to the author and to moderators
where a page is made for its viewer (the entry, the entry lists and API, search), and
is invisible to anonymous visitors and other users everywhere. Public datasets that
are the same for everyone and cached for everyone (the reader's "comparative examples"
under passages, the country and comparison pages, the map's numbers, exports, activity
and contributor pages) leave it out for everybody, as the map always did."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.moderation.services import user_set_shadow_hidden
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db

TITLE = "Spammy neighbourhood scoring"
READER = "/sources/wong-2021-social-credit/"


@pytest.fixture
def spammer(db):
    return UserFactory(username="spammer")


@pytest.fixture
def entry(spammer, make_published, schufa_passage, run_on_commit):
    with run_on_commit():  # committed, events and all: searchable (entry.text_changed)
        return make_published(spammer, passages=[schufa_passage], title=TITLE, country="DE")


def _shadow_hide(user, run_on_commit):
    with run_on_commit():
        user_set_shadow_hidden(actor=make_moderator(), user=user, hidden=True, reason="Spam ring")


def _get(viewer, url: str) -> tuple[int, str]:
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode()


def _viewers(spammer, moderator):
    return {
        "anonymous": (None, False),
        "another user": (UserFactory(), False),
        "the author": (spammer, True),
        "a moderator": (moderator, True),
    }


def test_the_readers_comparative_examples_leave_out_a_shadow_hidden_author(
    entry, spammer, moderator, run_on_commit
):
    """The reproduction: the passage block under the Schufa passage kept listing the
    entry for every visitor."""
    for viewer in (None, spammer, moderator):
        assert TITLE in _get(viewer, READER)[1]

    _shadow_hide(spammer, run_on_commit)

    # The block is shared markup (cached for everyone): nobody's copy may hold it.
    for name, (viewer, _sees) in _viewers(spammer, moderator).items():
        status, html = _get(viewer, READER)
        assert status == 200
        assert TITLE not in html, name
        assert not re.search(r"\d+ comparative examples? from", html), name


def test_the_cached_passage_block_drops_the_entry_when_its_author_is_shadow_hidden(
    entry, spammer, settings, run_on_commit
):
    assert TITLE in _get(None, READER)[1]
    assert TITLE in _get(None, READER)[1]  # now from the cache

    _shadow_hide(spammer, run_on_commit)

    assert TITLE not in _get(None, READER)[1]
    assert TITLE not in _get(UserFactory(), READER)[1]


def _title(entry) -> str:
    return TITLE


def _link(entry) -> str:
    # Search pages highlight the words of the title, so they are told by the link.
    return f"/atlas/examples/{entry.pk}/"


PER_VIEWER = {
    "entry page": (lambda entry: entry.get_absolute_url(), _title),
    "entry list API": (lambda entry: "/api/examples/", _title),
    "entry API": (lambda entry: f"/api/examples/{entry.pk}/", _title),
    "search API": (lambda entry: "/api/search/?q=Spammy", _title),
}

PUBLIC_DATASETS = {
    # A public page (apps/common/public.py): the same for the author and the moderators.
    "search page": (lambda entry: "/search/?q=Spammy", _link),
    "reader": (lambda entry: READER, _title),
    "country page": (lambda entry: "/atlas/countries/DE/", _title),
    "country API": (lambda entry: "/api/atlas/countries/DE/", _title),
    "compare page": (lambda entry: "/atlas/compare/?countries=DE", _title),
    "compare CSV": (lambda entry: "/atlas/compare.csv?countries=DE", lambda entry: "Entries,1"),
    "CSV export": (lambda entry: "/api/examples/export.csv", _title),
    "GeoJSON export": (lambda entry: "/api/examples/export.geojson", _title),
    "JSON-LD export": (lambda entry: "/api/examples/export.jsonld", _title),
    "activity": (lambda entry: "/activity/", _title),
    "Atom feed": (lambda entry: "/activity/feed/", _title),
    "author's page": (lambda entry: "/users/spammer/", _title),
    # The entries table names it (the country filter lists every country anyway).
    "map": (lambda entry: "/atlas/", _title),
}


@pytest.mark.parametrize("place", list(PER_VIEWER))
def test_pages_made_for_their_viewer_show_it_to_the_author_and_moderators_only(
    place, entry, spammer, moderator, run_on_commit
):
    url, marker = (make(entry) for make in PER_VIEWER[place])
    assert marker in _get(None, url)[1]  # listed before the measure
    _shadow_hide(spammer, run_on_commit)
    for name, (viewer, sees) in _viewers(spammer, moderator).items():
        status, body = _get(viewer, url)
        assert (marker in body) == sees, (place, name, status)
        if place in ("entry page", "entry API"):
            assert status == (200 if sees else 404), (place, name)


@pytest.mark.parametrize("place", list(PUBLIC_DATASETS))
def test_public_datasets_leave_it_out_for_everybody(
    place, entry, spammer, moderator, run_on_commit
):
    url, marker = (make(entry) for make in PUBLIC_DATASETS[place])
    assert marker in _get(None, url)[1], place  # listed before the measure
    _shadow_hide(spammer, run_on_commit)
    for name, (viewer, _sees) in _viewers(spammer, moderator).items():
        status, body = _get(viewer, url)
        assert status == 200, (place, name)
        assert marker not in body, (place, name)


def test_the_map_counts_no_shadow_hidden_entry(entry, spammer, run_on_commit):
    from apps.atlas.aggregates import selectors as aggregate_selectors

    assert aggregate_selectors.country_aggregate(code="DE")["count"] == 1
    _shadow_hide(spammer, run_on_commit)
    assert aggregate_selectors.country_aggregate(code="DE")["count"] == 0


def test_undoing_the_measure_brings_everything_back(entry, spammer, moderator, run_on_commit):
    _shadow_hide(spammer, run_on_commit)
    with run_on_commit():
        user_set_shadow_hidden(actor=moderator, user=spammer, hidden=False, reason="Appeal")
    assert TITLE in _get(None, READER)[1]
    assert TITLE in _get(None, "/atlas/countries/DE/")[1]
