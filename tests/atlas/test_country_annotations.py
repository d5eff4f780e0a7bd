"""The country page shows the public annotations tagged country:<ISO2>, through the
annotations app's visibility rules, in a constant number of queries."""

from __future__ import annotations

import pytest

from apps.annotations import services as annotation_services
from apps.annotations.services import TextPositionSelector
from apps.atlas.aggregates import selectors as aggregate_selectors
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotate(founding_paper):
    document = founding_paper.current_document

    def make(author, *, tags=("country:DE",), body="About Schufa.", **kwargs):
        quote = "Schufa uses geo-scoring"
        start = document.text.index(quote)
        return annotation_services.annotation_create(
            author=author,
            document=document,
            position=TextPositionSelector(start, start + len(quote)),
            body=body,
            tags=list(tags),
            **kwargs,
        )

    return make


def test_public_tagged_annotations_are_listed(client, user, annotate):
    annotate(user, body="Geo-scoring in **Germany**.")
    annotate(user, tags=["country:fr"], body="About France.")  # normalised to country:FR
    annotate(user, tags=["surveillance"], body="Untagged for countries.")
    html = client.get("/atlas/countries/DE/").content.decode()
    assert "Annotations about this country" in html
    assert "Geo-scoring in <strong>Germany</strong>." in html
    assert "About France." not in html and "Untagged for countries." not in html
    assert "/sources/wong-2021-social-credit/?thread=" in html
    assert "About France." in client.get("/atlas/countries/FR/").content.decode()


def test_private_annotation_is_not_shown_to_others_nor_on_the_public_page(
    client, user, other_user, annotate
):
    annotate(user, body="My private note on Germany.", visibility="private")
    client.force_login(other_user)
    assert "My private note on Germany." not in client.get("/atlas/countries/DE/").content.decode()
    client.logout()
    assert "My private note on Germany." not in client.get("/atlas/countries/DE/").content.decode()
    # Private notes are not public contributions: even their author does not see them here.
    assert aggregate_selectors.country_annotations(code="DE", viewer=user) == []


def test_hidden_and_deleted_annotations_do_not_leak(client, user, other_user, annotate):
    from tests.moderation.conftest import make_moderator

    moderator = make_moderator()
    hidden = annotate(user, body="Hidden by a moderator.")
    annotation_services.annotation_hide(annotation=hidden, moderator=moderator)
    deleted = annotate(user, body="Deleted by its author.")
    annotation_services.annotation_delete(annotation=deleted, user=user)
    client.force_login(other_user)
    html = client.get("/atlas/countries/DE/").content.decode()
    assert "Hidden by a moderator." not in html and "Deleted by its author." not in html
    assert "No public annotation carries this country" in html
    # A public page: moderators read the same page (hidden content is theirs to see in
    # the moderation queue, never in a page a shared cache keeps).
    client.force_login(moderator)
    assert client.get("/atlas/countries/DE/").content.decode() == html


def test_country_page_query_count_does_not_grow_with_annotations(
    client, user, other_user, annotate, django_assert_max_num_queries
):
    annotate(user)
    with django_assert_max_num_queries(7) as before:
        client.get("/atlas/countries/DE/")
    for author in (user, other_user, UserFactory(), UserFactory()):
        annotate(author, body=f"By {author.username}.")
    with django_assert_max_num_queries(len(before.captured_queries)):
        html = client.get("/atlas/countries/DE/").content.decode()
    assert html.count('id="country-annotation-') == 5


def test_supranational_page_has_no_annotation_section(client):
    assert (
        "Annotations about this country" not in client.get("/atlas/countries/EU/").content.decode()
    )
