"""Public pages are the same bytes for every viewer (apps/common/public.py): a signed-in
moderator, a steward, an entry's author and an anonymous visitor get one body, with no
session read (no ``Vary: Cookie``), no ``Set-Cookie`` and ``Cache-Control: public``."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.sources.models import SourceMaintainer
from tests.atlas.conftest import make_published  # noqa: F401 - fixture
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return make_moderator(username="mod-viewer", display_name="Moderator Mona")


@pytest.fixture
def author(db):
    return UserFactory(username="author-viewer", display_name="Author Ada")


@pytest.fixture
def steward(founding_paper):
    user = UserFactory(username="steward-viewer", display_name="Steward Sam")
    SourceMaintainer.objects.create(source=founding_paper, user=user)
    return user


@pytest.fixture
def entry(make_published, author):  # noqa: F811
    return make_published(author, title="Geo-scoring in Germany", country="DE")


def public_urls(founding_paper, entry) -> list[str]:
    return [
        reverse("home"),
        reverse("sources:list"),
        founding_paper.get_absolute_url(),
        reverse("atlas:map"),
        reverse("atlas:country", args=["DE"]),
        reverse("atlas:compare"),
        reverse("atlas:codebook"),
        entry.get_absolute_url(),
        reverse("atlas:example_history", args=[entry.pk, entry.slug]),
        reverse("search:search") + "?q=scoring",
        reverse("search:activity"),
        reverse("search:contributor", args=[entry.author.username]),
        reverse("releases:list"),
    ]


def _body(response) -> bytes:
    # "4 seconds ago" moves with the clock between two requests (the <time> carries the
    # instant itself, which must be equal).
    return re.sub(rb">[^<]*ago</time>", b">ago</time>", response.content)


def _first_difference(a: bytes, b: bytes) -> tuple[bytes, bytes]:
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[index - 200 : index + 60], b[index - 200 : index + 60]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_public_page_is_the_same_for_every_viewer(
    founding_paper, entry, moderator, author, steward
):
    viewers = {"moderator": moderator, "author": author, "steward": steward}
    # The moderator's name shows nowhere publicly (the author's and the steward's do:
    # on their entry and in the source's maintainers), and no page carries a token.
    personal = ["Moderator Mona", "csrfmiddlewaretoken", "X-CSRFToken"]
    for url in public_urls(founding_paper, entry):
        anonymous = Client().get(url)
        assert anonymous.status_code == 200, url
        assert "public" in anonymous["Cache-Control"], url
        assert f"s-maxage={settings.HTTP_CACHE_S_MAXAGE}" in anonymous["Cache-Control"], url
        for name, user in viewers.items():
            response = signed_in(user).get(url)
            assert response.status_code == 200, (url, name)
            assert _body(response) == _body(anonymous), (
                url,
                name,
                _first_difference(_body(anonymous), _body(response)),
            )
            assert not response.cookies, (url, name, response.cookies)
            assert "Cookie" not in response.get("Vary", ""), (url, name)
            assert "private" not in response["Cache-Control"], (url, name)
            body = response.content.decode()
            for text in personal:
                assert text not in body, (url, name, text)


def test_a_page_only_some_may_see_falls_back_to_a_private_render(make_published, author):  # noqa: F811
    from apps.atlas.entries import services as entry_services
    from tests.atlas.conftest import evidence_data, example_data

    draft = entry_services.example_create(
        author=author, data=example_data(title="My draft"), evidence=[evidence_data()]
    )
    url = draft.get_absolute_url()
    assert Client().get(url).status_code == 404
    assert signed_in(UserFactory()).get(url).status_code == 404
    response = signed_in(author).get(url)
    assert response.status_code == 200 and "My draft" in response.content.decode()
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_other_signed_in_responses_stay_private(founding_paper, author):
    client = signed_in(author)
    for url in ("/notifications/", reverse("accounts:profile"), "/api/me/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "private" in response["Cache-Control"], url


@pytest.mark.parametrize("fragment", ["entry", "history", "reader"])
def test_personal_fragments_are_private_and_empty_for_anonymous(
    fragment, founding_paper, entry, moderator, steward, django_assert_max_num_queries, session_read
):
    url = {
        "entry": reverse("atlas:example_personal", args=[entry.pk]),
        "history": reverse("atlas:example_history_personal", args=[entry.pk]),
        "reader": reverse(
            "sources:reader_personal",
            args=[founding_paper.slug, founding_paper.current_document.version],
        ),
    }[fragment]
    anonymous = Client().get(url)
    assert anonymous.status_code == 200 and anonymous.content == b""
    assert "private" in anonymous["Cache-Control"]
    viewer = steward if fragment == "reader" else moderator
    client = signed_in(viewer)
    with django_assert_max_num_queries(12 + session_read):
        response = client.get(url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    expected = {
        "entry": 'data-grants="moderate',
        "history": "Merge this entry into another",
        "reader": "Add or remove a maintainer",
    }[fragment]
    assert expected in body


def test_entry_fragment_grants_nothing_to_a_contributor(entry):
    response = signed_in(UserFactory()).get(reverse("atlas:example_personal", args=[entry.pk]))
    assert 'data-grants=""' in response.content.decode()
    assert "Suggest an edit" in response.content.decode()


def test_a_signed_in_public_page_costs_what_the_anonymous_one_costs(
    founding_paper, entry, moderator
):
    """No session, no user, no role read: the same queries as for an anonymous visitor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(moderator)
    for url in public_urls(founding_paper, entry):
        Client().get(url)  # warm what every visitor shares (the atlas snapshot, …)
        with CaptureQueriesContext(connection) as anonymous:
            Client().get(url)
        with CaptureQueriesContext(connection) as signed:
            client.get(url)
        assert len(signed.captured_queries) == len(anonymous.captured_queries), url
        assert not any("django_session" in q["sql"] for q in signed.captured_queries), url
