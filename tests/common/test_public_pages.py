"""Public pages are the same bytes for every viewer (apps/common/public.py): a signed-in
moderator, a steward, an entry's author and an anonymous visitor get one body, with no
session read (no ``Vary: Cookie``), no ``Set-Cookie`` and ``Cache-Control: public``."""

from __future__ import annotations

import re

import pytest
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
        assert "s-maxage=60" in anonymous["Cache-Control"], url
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
