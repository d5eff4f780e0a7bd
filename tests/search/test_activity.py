"""/activity/ with its Atom feed, and contributor pages /users/<username>/."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def test_activity_lists_new_sources_and_versions_newest_first(
    client, make_source, upload_version, user, django_assert_max_num_queries
):
    first = make_source("Dingo report", "# H\n\nText.")
    second = make_source("Wallaby report", "# H\n\nText.")
    upload_version(first, "# H\n\nNew text.")

    with django_assert_max_num_queries(3):
        response = client.get("/activity/")

    html = response.content.decode()
    assert response.status_code == 200
    positions = [
        html.index(f'href="/sources/{first.slug}/versions/2/"'),
        html.index(f'href="/sources/{second.slug}/"'),
        html.index(f'href="/sources/{first.slug}/"'),
    ]
    assert positions == sorted(positions)
    assert "New version" in html and "New source" in html
    assert f'href="/users/{user.username}/"' in html
    assert 'type="application/atom+xml"' in html


def test_activity_filtered_by_source(client, make_source):
    first = make_source("Dingo report", "# H\n\nText.")
    make_source("Wallaby report", "# H\n\nText.")
    html = client.get("/activity/", {"source": first.slug}).content.decode()
    assert "Dingo report" in html and "Wallaby report" not in html
    assert f'href="/activity/feed/?source={first.slug}"' in html


def test_activity_unknown_filter_value_is_400(client, db):
    response = client.get("/activity/", {"source": "nope"})
    assert response.status_code == 400
    assert "There is no source “nope”" in response.content.decode()
    assert client.get("/activity/feed/", {"source": "nope"}).status_code == 404


def test_failed_imports_are_not_activity(client, unreadable_sources):
    html = client.get("/activity/").content.decode()
    assert "Zanzibar" not in html
    assert "Nothing has happened here yet." in html


def test_atom_feed(client, make_source, user, django_assert_max_num_queries):
    first = make_source("Dingo <report>", "# H\n\nText.")
    make_source("Wallaby report", "# H\n\nText.")

    with django_assert_max_num_queries(4):
        response = client.get("/activity/feed/", {"source": first.slug})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["New source: Dingo <report>"]
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/sources/{first.slug}/")
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == user.public_name
    assert "Source: " in feed.findtext(f"{ATOM}title")


def test_contributor_page(client, make_source, user, django_assert_max_num_queries):
    user.affiliation = "Curtin University"
    user.country = "AU"
    user.orcid = "0000-0002-1825-0097"
    user.bio = "Studies <b>scores</b>."
    user.save()
    source = make_source("Quoll report", "# H\n\nText.")

    with django_assert_max_num_queries(4):
        response = client.get(f"/users/{user.username}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert user.public_name in html
    assert "Curtin University" in html and "Australia" in html
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in html
    assert "&lt;b&gt;scores&lt;/b&gt;" in html
    assert "Sources added" in html and f'href="/sources/{source.slug}/"' in html
    assert user.email not in html


def test_contributor_page_404_for_unknown_or_inactive(client, other_user):
    assert client.get("/users/nobody-here/").status_code == 404
    other_user.is_active = False
    other_user.save()
    assert client.get(f"/users/{other_user.username}/").status_code == 404
