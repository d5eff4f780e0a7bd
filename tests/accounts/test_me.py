"""GET /api/me/: the personal layer of every page (apps/accounts/api.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.annotations import services as annotation_services
from apps.notifications.models import Notification
from tests.annotations.conftest import document, make_annotation  # noqa: F401 - fixtures
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db

URL = "/api/me/"


def test_the_url_is_named():
    assert reverse("api-me") == URL


def test_anonymous_gets_a_private_answer_and_a_csrf_cookie(client):
    response = client.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["authenticated"] is False
    assert data["user"] is None
    assert data["roles"] == {"moderator": False, "staff": False}
    assert data["links"]["sign_in"] == reverse("account_login")
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "csrftoken" in response.cookies
    assert "signed_in" not in response.cookies


def test_a_signed_in_reader_gets_name_roles_and_unread_counts(
    django_assert_max_num_queries,
):
    user = UserFactory(username="reader1", display_name="Reader One")
    client = Client()
    client.force_login(user)
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    data = response.json()
    assert data["authenticated"] is True
    assert data["user"] == {
        "username": "reader1",
        "name": "Reader One",
        "profile_url": reverse("accounts:profile"),
        "page_url": reverse("search:contributor", args=["reader1"]),
    }
    assert data["roles"]["moderator"] is False
    assert data["unread"] == {"notifications": 0}
    assert "moderation" not in data["links"]
    assert data["links"]["notifications"] == reverse("notifications:list")
    assert data["links"]["sign_out"] == reverse("account_logout")
    # The hint cookie for site.js, set on this private answer.
    assert response.cookies["signed_in"].value == "1"
    assert not response.cookies["signed_in"]["httponly"]


def test_a_moderator_sees_the_moderation_link_and_unread_notices():
    moderator = make_moderator(username="mod1")
    Notification.objects.create(
        recipient=moderator, kind="decision", verb="hide", text="spam", target_label="x"
    )
    client = Client()
    client.force_login(moderator)
    data = client.get(URL).json()
    assert data["roles"]["moderator"] is True
    assert data["links"]["moderation"] == reverse("moderation:queue")
    # Decision notices count with the other notifications: one inbox.
    assert data["unread"]["notifications"] == 1


def test_unread_notifications_are_counted(user, other_user, make_annotation):  # noqa: F811
    root = make_annotation(user)
    annotation_services.annotation_reply(author=other_user, parent=root, body="hello")
    client = Client()
    client.force_login(user)
    assert client.get(URL).json()["unread"]["notifications"] == 1


def test_etag_gives_304_until_something_changes():
    user = UserFactory(display_name="Before")
    client = Client()
    client.force_login(user)
    first = client.get(URL)
    etag = first["ETag"]
    second = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 304
    assert "private" in second["Cache-Control"]
    user.display_name = "After"
    user.save()
    third = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert third.status_code == 200
    assert third.json()["user"]["name"] == "After"


def test_flash_messages_are_delivered_once():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    # The profile form's success message, then read by /api/me/.
    client.post(
        reverse("accounts:profile"),
        {"display_name": "New name", "affiliation": "", "home_country": "", "orcid": ""},
    )
    data = client.get(URL).json()
    assert [m["text"] for m in data["messages"]] == ["Your profile was saved."]
    assert data["messages"][0]["level"] == "success"
    assert client.get(URL).json()["messages"] == []


def test_only_get(client):
    response = client.post(URL)
    assert response.status_code in (403, 405)  # CSRF refuses a POST without a token first
    response = Client(enforce_csrf_checks=False).put(URL)
    assert response.status_code == 405
    assert response.json()["detail"]


def test_signing_out_clears_the_hint_cookie():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.get(URL)
    assert client.cookies["signed_in"].value == "1"
    response = client.post(reverse("account_logout"))
    assert response.cookies["signed_in"].value == ""


def test_messages_for_a_signed_out_visitor_wait_for_api_me():
    """Signing out queues "You have signed out."; the next public page cannot show it, so a
    hint cookie tells site.js to ask /api/me/, which delivers it and clears the hint."""
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post(reverse("account_logout"))
    assert response.cookies["messages_waiting"].value == "1"
    assert not response.cookies["messages_waiting"]["httponly"]
    page = client.get(reverse("sources:list"))
    assert "signed out" not in page.content.decode()
    me = client.get(URL)
    assert me.json()["authenticated"] is False
    assert any("signed out" in m["text"] for m in me.json()["messages"])
    assert me.cookies["messages_waiting"].value == ""


def test_only_a_moderator_of_every_country_is_a_global_moderator():
    # The reader's "Edit the legend" link (a site-wide setting) shows for these alone; a
    # country moderator would meet a 403 behind it.
    everywhere, france = (
        make_moderator(username="mod-all"),
        make_moderator(username="mod-fr", countries=["FR"]),
    )
    for moderator, expected in ((everywhere, True), (france, False)):
        client = Client()
        client.force_login(moderator)
        roles = client.get(URL).json()["roles"]
        assert roles["moderator"] is True
        assert roles["global_moderator"] is expected
