"""A shadow-hidden account's sources (issue 12: "shadow-hiding covers every place an
author's content is listed"). The source's own page is made for its viewer: the uploader
(a maintainer) and moderators read it, everyone else gets a 404. Lists that are the same
for everyone (the source list and its API, search, activity and its feed, contributor
pages) leave it out for everybody, like the atlas's public datasets."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.moderation.services import user_set_shadow_hidden
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db

TITLE = "Zebracredit rating handbook"
BODY = b"# Zebracredit\n\nZebracredit scores tenants by their neighbourhood.\n"


@pytest.fixture
def spammer(db):
    return UserFactory(username="spammer")


@pytest.fixture
def source(make_source, spammer, run_on_commit):
    source = make_source(BODY, by=spammer, filename="zebra.md", title=TITLE)
    assert source.current_document is not None
    with run_on_commit():
        user_set_shadow_hidden(actor=make_moderator(), user=spammer, hidden=True, reason="Spam")
    return source


def _get(viewer, url: str):
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode()


def test_its_page_is_seen_by_the_uploader_and_moderators_only(source, spammer):
    url = f"/sources/{source.slug}/"
    assert _get(None, url)[0] == 404
    assert _get(UserFactory(), url)[0] == 404
    assert _get(None, f"/api/sources/{source.slug}/")[0] == 404
    status, html = _get(spammer, url)
    assert status == 200 and TITLE in html
    # Silently: the uploader is not told that moderators hid anything.
    assert "Moderators hid this source" not in html
    assert _get(make_moderator(), url)[0] == 200


@pytest.mark.parametrize(
    "url",
    [
        "/sources/",
        "/api/sources/",
        "/search/?q=zebracredit",
        "/api/search/?q=zebracredit",
        "/activity/",
        "/activity/feed/",
        "/users/spammer/",
    ],
)
def test_shared_lists_leave_it_out_for_everybody(source, spammer, url):
    for viewer in (None, UserFactory(), spammer, make_moderator()):
        status, body = _get(viewer, url)
        assert status in (200, 404), (url, status)
        assert TITLE not in body and "Zebracredit scores" not in body, (url, viewer)


def test_before_the_measure_it_is_listed(make_source, spammer):
    """The same lists show it while its uploader is in good standing (the test above
    would pass vacuously if they never did)."""
    make_source(BODY, by=spammer, filename="zebra.md", title=TITLE)
    for url in ("/sources/", "/api/sources/", "/search/?q=zebracredit", "/activity/"):
        assert TITLE in _get(None, url)[1], url
