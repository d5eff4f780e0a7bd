"""Abuse limits (issue 5 §9): entry writes and suggestions throttled per account and per
address, stricter for accounts younger than a day (429 with Retry-After in the API, a
clear message in forms, nothing stored); flags from pages; login brute force refused by
allauth's rate limits."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.atlas.models import Example, SuggestedEdit
from apps.moderation.models import Flag
from tests.atlas.test_api import payload as entry_payload
from tests.atlas.test_views import form_post
from tests.factories import UserFactory
from tests.personal import shown

from .conftest import make_trusted

pytestmark = pytest.mark.django_db

TOO_FAST = "You are saving faster than we allow"


def payload(**overrides):
    # The same entry again and again: the duplicate check is not what is tested here.
    return entry_payload(confirm_distinct=True, **overrides)


def old_account(**kwargs):
    return UserFactory(date_joined=timezone.now() - datetime.timedelta(days=3), **kwargs)


def api_for(user, ip="203.0.113.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.force_authenticate(user)
    return client


def test_api_entry_creation_is_throttled_per_account(settings):
    settings.WRITE_RATES = {"entry": {"user": "2/hour", "ip": "100/hour"}}
    client = api_for(old_account())
    for _ in range(2):
        assert client.post("/api/examples/", payload(), format="json").status_code == 201
    response = client.post("/api/examples/", payload(title="Third"), format="json")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert TOO_FAST in response.json()["detail"]
    assert Example.objects.count() == 2


def test_new_accounts_get_the_stricter_limit(settings):
    settings.WRITE_RATES = {"entry": {"user": "3/hour", "new_user": "1/hour", "ip": "100/hour"}}
    young = api_for(UserFactory())  # joined just now
    assert young.post("/api/examples/", payload(), format="json").status_code == 201
    assert young.post("/api/examples/", payload(), format="json").status_code == 429
    seasoned = api_for(old_account())
    for _ in range(3):
        assert seasoned.post("/api/examples/", payload(), format="json").status_code == 201
    assert Example.objects.count() == 4


def test_entry_writes_are_throttled_per_address(settings):
    settings.WRITE_RATES = {"entry": {"user": "100/hour", "ip": "2/hour"}}
    for _ in range(2):
        client = api_for(old_account(), ip="198.51.100.9")
        assert client.post("/api/examples/", payload(), format="json").status_code == 201
    response = api_for(old_account(), ip="198.51.100.9").post(
        "/api/examples/", payload(), format="json"
    )
    assert response.status_code == 429 and "Retry-After" in response
    # Another address still has its budget.
    other = api_for(old_account(), ip="198.51.100.10")
    assert other.post("/api/examples/", payload(), format="json").status_code == 201
    assert Example.objects.count() == 3


def test_api_edits_are_throttled(settings):
    settings.WRITE_RATES = {"entry": {"user": "1/hour", "ip": "100/hour"}}
    author = old_account()
    example_id = api_for(author).post("/api/examples/", payload(), format="json").json()["id"]
    response = api_for(author).patch(
        f"/api/examples/{example_id}/", {"region": "Ohio"}, format="json"
    )
    assert response.status_code == 429 and "Retry-After" in response
    assert Example.objects.get().region == ""


def test_entry_form_says_why_and_keeps_the_input(client, settings):
    settings.WRITE_RATES = {"entry": {"user": "1/hour", "ip": "100/hour"}}
    client.force_login(old_account())
    assert client.post("/atlas/examples/new/", form_post()).status_code == 302
    response = client.post("/atlas/examples/new/", form_post(title="Another one"))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert TOO_FAST in html and 'value="Another one"' in html
    assert Example.objects.count() == 1


def test_suggestions_are_throttled(client, settings, founding_paper):
    settings.WRITE_RATES = {"suggestion": {"user": "1/hour", "ip": "100/hour"}}
    author = make_trusted()
    example_id = (
        api_for(author).post("/api/examples/", payload(submit=True), format="json").json()["id"]
    )
    example = Example.objects.get(pk=example_id)
    assert example.status == "published"
    client.force_login(old_account())
    url = f"/atlas/examples/{example.pk}/{example.slug}/suggest/"
    data = {**form_post(), "title": example.title, "lifecycle": "pilot", "comment": "See"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "lifecycle": "proposed"})
    assert response.status_code == 429
    assert TOO_FAST in shown(client, response)
    assert SuggestedEdit.objects.count() == 1


# --- Flags from pages --------------------------------------------------------------------


@pytest.fixture
def published(founding_paper):
    author = make_trusted()
    example_id = (
        api_for(author).post("/api/examples/", payload(submit=True), format="json").json()["id"]
    )
    return Example.objects.get(pk=example_id)


def test_entry_page_offers_flag_to_others_not_the_author(client, published):
    page = published.get_absolute_url()
    # One public page for all: the form waits hidden, and site.js reveals it for signed-in
    # viewers other than the author (data-not-owner).
    html = client.get(page).content.decode()
    assert (
        '<div class="entry-flag" id="flag-entry" data-when="signed-in" '
        f'data-not-owner="{published.author.username}" hidden>'
    ) in html
    assert 'name="target_type" value="entry"' in html
    assert "<summary>Flag</summary>" in html
    client.force_login(published.author)
    assert client.get(page).content.decode() == html


def test_flag_form_on_a_page_creates_a_flag(client, published):
    from apps.atlas.discussion.services import comment_create

    comment = comment_create(author=UserFactory(), example=published, body="Rude words")
    flagger = UserFactory()
    client.force_login(flagger)
    html = client.get(published.get_absolute_url()).content.decode()
    assert 'name="target_type" value="comment"' in html
    page = published.get_absolute_url()
    response = client.post(
        "/moderation/flag/",
        {
            "target_type": "comment",
            "target_id": comment.pk,
            "reason": "harassment",
            "text": "",
            "next": f"{page}#comment-{comment.pk}",
        },
        follow=True,
    )
    assert response.redirect_chain[0][0] == f"{page}#comment-{comment.pk}"
    assert "a moderator will look at it" in shown(client, response)
    assert Flag.objects.get().flagger == flagger
    # Twice: refused with the reason, nothing more stored.
    response = client.post(
        "/moderation/flag/",
        {"target_type": "comment", "target_id": comment.pk, "reason": "spam", "next": page},
        follow=True,
    )
    assert "You have already flagged this" in shown(client, response)
    assert Flag.objects.count() == 1


def test_flag_form_errors(client, published):
    client.force_login(UserFactory())
    page = published.get_absolute_url()
    response = client.post(
        "/moderation/flag/",
        {"target_type": "entry", "target_id": published.pk, "reason": "other", "next": page},
        follow=True,
    )
    assert "Say what is wrong when the reason is “Other”." in shown(client, response)
    response = client.post(
        "/moderation/flag/",
        {"target_type": "planet", "target_id": 1, "reason": "spam", "next": page},
        follow=True,
    )
    assert "Unknown target type “planet”" in shown(client, response)
    assert not Flag.objects.exists()


def test_flag_form_is_throttled(client, published, settings):
    settings.WRITE_RATES = {"flag": {"user": "1/hour", "ip": "100/hour"}}
    client.force_login(old_account())
    page = published.get_absolute_url()
    data = {"target_type": "entry", "target_id": published.pk, "reason": "spam", "next": page}
    client.post("/moderation/flag/", data)
    response = client.post("/moderation/flag/", {**data, "reason": "inaccurate"}, follow=True)
    assert TOO_FAST in shown(client, response)
    assert Flag.objects.count() == 1


# --- Login brute force ----------------------------------------------------------------------


def test_repeated_failed_logins_are_refused_even_with_the_right_password(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    user = UserFactory(username="target")
    user.set_password("correct horse battery")
    user.save()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "target", "password": "wrong guess"})
        assert response.status_code == 200  # the form again, with an error
    response = client.post(
        "/accounts/login/", {"login": "target", "password": "correct horse battery"}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
