"""The user directory (issue 19): moderators find people by name, username, ORCID iD or
(global moderators) e-mail, filter by standing, and go on to their page; e-mail and
measures stay global moderators' business."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.moderation.models import UserModerationState
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator, make_trusted

pytestmark = pytest.mark.django_db

URL = reverse("moderation:users")


@pytest.fixture
def people(db):
    old = timezone.now() - timedelta(days=60)
    ada = UserFactory(
        username="ada", display_name="Ada Lovelace", email="ada@engines.example",
        orcid="0000-0002-1825-0097", date_joined=old,
    )  # fmt: skip
    grace = make_trusted(username="grace", display_name="Grace Hopper", date_joined=old)
    newbie = UserFactory(username="newbie", display_name="Brand New")
    spammer = UserFactory(username="spammer", email="spam@loans.example", date_joined=old)
    UserModerationState.objects.create(user=spammer, shadow_hidden=True)
    french = make_moderator(countries=["FR"], username="marianne", date_joined=old)
    german = make_moderator(countries=["DE"], username="hans", date_joined=old)
    return {
        "ada": ada, "grace": grace, "newbie": newbie, "spammer": spammer,
        "french": french, "german": german,
    }  # fmt: skip


def rows(response) -> list[str]:
    html = response.content.decode()
    if "<tbody>" not in html:
        return []
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [part.split("/moderation/users/")[1].split("/")[0] for part in body.split("<tr>")[1:]]


def test_only_moderators_open_it(client, user, people):
    assert client.get(URL).status_code == 302  # to sign in
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_a_moderator_finds_people_by_name_username_and_orcid(client, moderator, people):
    client.force_login(moderator)
    assert rows(client.get(URL, {"q": "lovelace"})) == ["ada"]
    assert rows(client.get(URL, {"q": "hopp"})) == ["grace"]
    assert rows(client.get(URL, {"q": "1825-0097"})) == ["ada"]
    page = client.get(URL, {"q": "ada"}).content.decode()
    assert reverse("moderation:user", args=["ada"]) in page  # on to role changes


def test_filters(client, moderator, people):
    client.force_login(moderator)
    assert "newbie" in rows(client.get(URL, {"status": "new"}))
    assert "ada" not in rows(client.get(URL, {"status": "new"}))
    assert "grace" in rows(client.get(URL, {"status": "trusted"}))
    assert "ada" not in rows(client.get(URL, {"status": "trusted"}))
    of_france = rows(client.get(URL, {"status": "moderators", "country": "FR"}))
    assert "marianne" in of_france and "hans" not in of_france
    assert moderator.username in of_france  # a global moderator moderates France too
    assert rows(client.get(URL, {"status": "shadow_hidden"})) == ["spammer"]
    # Issue 19 names "pre-moderated" among the filters.
    UserModerationState.objects.create(user=people["ada"], premoderate_annotations=True)
    assert rows(client.get(URL, {"status": "premoderated"})) == ["ada"]


def test_email_and_measures_are_for_global_moderators_only(client, moderator, people):
    scoped = people["french"]
    client.force_login(scoped)
    page = client.get(URL, {"q": "spam"})
    assert "spam@loans.example" not in page.content.decode()
    assert rows(client.get(URL, {"q": "engines.example"})) == []  # no e-mail search
    refused = client.get(URL, {"status": "shadow_hidden"})
    assert refused.status_code == 400  # not a choice they are offered
    assert "spammer" not in rows(refused)
    assert "shadow-hidden" not in page.content.decode()

    client.force_login(moderator)
    assert rows(client.get(URL, {"q": "engines.example"})) == ["ada"]
    page = client.get(URL, {"q": "spammer"}).content.decode()
    assert "spam@loans.example" in page and "shadow-hidden" in page


def test_bad_input_is_a_form_error(client, moderator, people):
    client.force_login(moderator)
    response = client.get(URL, {"status": "everyone-and-their-dog"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert client.get(URL, {"q": "x" * 500}).status_code == 400
    assert client.get(URL, {"q": "\x00"}).status_code == 400  # the NUL middleware


def test_query_count_does_not_grow_with_users(
    client, moderator, people, django_assert_max_num_queries
):
    client.force_login(moderator)
    with django_assert_max_num_queries(9):
        assert client.get(URL).status_code == 200
    for _ in range(20):
        make_moderator(countries=["IT", "ES"])
    with django_assert_max_num_queries(9):
        assert client.get(URL).status_code == 200
