"""Issue 19: a queue row shown in full (Enter / o) without leaving the queue: the content
as it is now, flag reasons and counts, the author's standing; moderators who may work
the item only."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.moderation.actions import review_item_decide
from apps.moderation.models import ReviewItem
from apps.moderation.services import flag_create, user_set_premoderation
from tests.factories import SourceFactory, UserFactory

from .conftest import make_item, make_moderator

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_flagged_source_in_full_with_flags_and_standing(
    moderator, user, django_assert_max_num_queries
):
    source = SourceFactory(added_by=user, title="CHEAP LOANS at loans.example")
    flag_create(flagger=UserFactory(), target=source, reason="spam", text="Link farm.")
    flag_create(flagger=UserFactory(), target=source, reason="spam")
    flag_create(flagger=UserFactory(), target=source, reason="other", text="Off-topic")
    item = ReviewItem.objects.get(item_type="flag")
    # The author's record: one accepted, one rejected, under pre-moderation.
    review_item_decide(
        actor=moderator, item=make_item(author=user), decision="publish", reason="Fine"
    )
    review_item_decide(
        actor=moderator, item=make_item(author=user), decision="reject", reason="Dup"
    )
    user_set_premoderation(actor=moderator, user=user, enabled=True, reason="Spam wave")
    client = _client(moderator)
    with django_assert_max_num_queries(12):
        response = client.get(f"/moderation/items/{item.pk}/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    html = response.content.decode()
    assert "CHEAP LOANS at loans.example" in html
    assert "<strong>Spam</strong> × 2" in html and "Link farm." in html
    assert "<strong>Other</strong> × 1" in html and "Off-topic" in html
    assert "1 item accepted" in html and "1 rejected" in html
    assert "Measures in force: pre-moderated" in html
    # The queue row offers it, and the queue keeps working without script.
    queue = client.get("/moderation/").content.decode()
    assert f'hx-get="/moderation/items/{item.pk}/"' in queue


def test_only_moderators_who_may_work_the_item_see_it(user):
    item = make_item(author=UserFactory(), country="DE")
    assert _client(user).get(f"/moderation/items/{item.pk}/").status_code == 403
    assert (
        _client(make_moderator(countries=["FR"])).get(f"/moderation/items/{item.pk}/").status_code
        == 403
    )
    assert (
        _client(make_moderator(countries=["DE"])).get(f"/moderation/items/{item.pk}/").status_code
        == 200
    )
    assert Client().get(f"/moderation/items/{item.pk}/").status_code == 302
    assert _client(make_moderator()).get("/moderation/items/999999/").status_code == 404
    assert _client(make_moderator()).post(f"/moderation/items/{item.pk}/").status_code == 405


def test_an_item_whose_content_is_gone_says_so(moderator):
    source = SourceFactory(added_by=UserFactory(), title="Soon gone")
    item = make_item(target=source)
    source.delete()
    html = _client(moderator).get(f"/moderation/items/{item.pk}/").content.decode()
    assert "The content is gone" in html
