"""Annotations, replies and atlas entries on /activity/, its Atom feed and contributor
pages: public and published only, whoever looks; filters by source, country and tag."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from apps.annotations import services as annotation_services

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mixed(annotate, make_entry, user, other_user, moderator):
    """One of everything, with a distinctive word in each body or title."""
    public = annotate(user, "Public echidna note.", tags=["fauna"])
    reply = annotation_services.annotation_reply(
        author=other_user, parent=public, body="Reply about platypus."
    )
    annotate(user, "Private bandicoot note.", visibility="private", tags=["fauna"])
    hidden = annotate(user, "Hidden possum note.", tags=["fauna"])
    annotation_services.annotation_hide(annotation=hidden, moderator=moderator)
    deleted = annotate(user, "Deleted wombat note.")
    annotation_services.annotation_delete(annotation=deleted, user=user)
    published = make_entry(user, title="Published quoll scheme", country="DE")
    make_entry(user, status="draft", title="Draft numbat scheme", country="DE")
    make_entry(user, status="submitted", title="Submitted bilby scheme", country="FR")
    return {"public": public, "reply": reply, "entry": published}


VISIBLE = ("echidna", "platypus", "quoll")
NEVER = ("bandicoot", "possum", "wombat", "numbat", "bilby")


@pytest.mark.parametrize("viewer", ["anonymous", "author", "moderator"])
def test_activity_shows_public_and_published_only_whoever_looks(
    client, mixed, user, moderator, viewer, django_assert_max_num_queries
):
    if viewer != "anonymous":
        client.force_login(user if viewer == "author" else moderator)
    # One query per activity provider, plus session, user and notification badge.
    with django_assert_max_num_queries(3 if viewer == "anonymous" else 6):
        response = client.get("/activity/")
    html = response.content.decode()
    for word in VISIBLE:
        assert word in html, word
    for word in NEVER:
        assert word not in html, word
    assert mixed["public"].get_absolute_url().replace("&", "&amp;") in html
    assert mixed["entry"].get_absolute_url() in html
    assert ">Reply<" in html and ">Annotation<" in html and ">Atlas entry<" in html


def test_activity_filters_by_source_country_and_tag(client, mixed, founding_paper, make_source):
    make_source("Other report", "# H\n\nText.")
    by_tag = client.get("/activity/", {"tag": "fauna"}).content.decode()
    assert "echidna" in by_tag
    assert "platypus" not in by_tag and "quoll" not in by_tag and "Other report" not in by_tag
    by_country = client.get("/activity/", {"country": "de"}).content.decode()
    assert "quoll" in by_country
    assert "echidna" not in by_country and "Other report" not in by_country
    by_source = client.get("/activity/", {"source": founding_paper.slug}).content.decode()
    assert "echidna" in by_source and "platypus" in by_source
    assert "quoll" not in by_source and "Other report" not in by_source
    assert 'href="/activity/feed/?tag=fauna"' in by_tag


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tag": "never-used"}, "No annotation has the tag “never-used”."),
        ({"country": "ZZ"}, "Unknown country “ZZ”."),
    ],
)
def test_activity_unknown_filter_values(client, mixed, params, message):
    response = client.get("/activity/", params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get("/activity/feed/", params).status_code == 404


def test_private_tag_is_unknown_to_the_activity_filter(client, annotate, user):
    annotate(user, "Secret.", tags=["private-only"], visibility="private")
    client.force_login(user)
    # Even its author: the activity page is public, it knows public tags only.
    response = client.get("/activity/", {"tag": "private-only"})
    assert response.status_code == 400
    assert "Secret." not in response.content.decode()
    assert response.content == Client().get("/activity/", {"tag": "private-only"}).content


def test_feed_per_filtered_view(client, mixed, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the tag check, the site, the annotations
        response = client.get("/activity/feed/", {"tag": "fauna"})
    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert len(titles) == 1 and titles[0].startswith("Annotation: “social credit system”")
    assert "Tag: fauna" in feed.findtext(f"{ATOM}title")
    everything = ET.fromstring(client.get("/activity/feed/").content)
    text = ET.tostring(everything, encoding="unicode")
    for word in VISIBLE:
        assert word in text, word
    for word in NEVER:
        assert word not in text, word


def test_contributor_page_lists_public_annotations_and_published_entries(
    client, mixed, user, other_user, django_assert_max_num_queries
):
    client.force_login(user)  # even the author sees only the public record here
    # The user, one query per section, plus session, user and notification badge.
    with django_assert_max_num_queries(7):
        response = client.get(f"/users/{user.username}/")
    html = response.content.decode()
    assert "Public annotations" in html and "Published atlas entries" in html
    assert "echidna" in html and "quoll" in html
    assert "platypus" not in html  # the other user's reply
    for word in NEVER:
        assert word not in html, word
    other = client.get(f"/users/{other_user.username}/").content.decode()
    assert "platypus" in other and "echidna" not in other
