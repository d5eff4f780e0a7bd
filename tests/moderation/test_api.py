"""Moderation API: items, claim, decide, flags (with throttles), log."""

from __future__ import annotations

import pytest

from apps.moderation.models import AuditLogEntry, Flag, ReviewItem
from apps.moderation.services import audit_record, review_item_claim
from tests.factories import SourceFactory, UserFactory

from .conftest import make_item, make_moderator

pytestmark = pytest.mark.django_db

ITEMS = "/api/moderation/items/"


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def test_item_shape(mod_client, item):
    response = mod_client.get(ITEMS)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    row = data["results"][0]
    assert {"id", "type", "target", "status", "priority", "claimed_by", "created"} <= set(row)
    assert row["type"] == "uploaded_source" and row["status"] == "open"
    assert row["target"]["type"] == "source" and row["target"]["id"] == item.object_id
    assert row["target"]["url"].startswith("http://testserver/sources/")
    assert row["claimed_by"] is None and row["priority"] == 1.0


def test_item_filters(mod_client, user):
    fr = make_item(author=user, country="FR")
    make_item(author=user, country="DE")
    ids = [r["id"] for r in mod_client.get(ITEMS + "?country=FR").json()["results"]]
    assert ids == [fr.pk]
    assert mod_client.get(ITEMS + "?type=flag").json()["count"] == 0
    assert mod_client.get(ITEMS + "?claimed=none").json()["count"] == 2


def test_bad_filter_is_a_400(mod_client):
    response = mod_client.get(ITEMS + "?sort=sideways")
    assert response.status_code == 400
    assert "sort" in response.json()["errors"]


def test_list_query_count_is_constant(mod_client, user, django_assert_max_num_queries):
    make_item(author=user)
    # session, user, groups, scopes, count, items
    with django_assert_max_num_queries(6) as few:
        mod_client.get(ITEMS)
    for _ in range(10):
        review_item_claim(actor=make_moderator(), item=make_item(author=user))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert mod_client.get(ITEMS).json()["count"] == 11


def test_claim_and_conflict(client, item, moderator):
    client.force_login(moderator)
    response = client.post(f"{ITEMS}{item.pk}/claim/")
    assert response.status_code == 200 and response.json()["claimed_by"] == moderator.username
    client.force_login(make_moderator(username="second"))
    response = client.post(f"{ITEMS}{item.pk}/claim/")
    assert response.status_code == 409
    assert f"{moderator.username} claimed this item" in response.json()["detail"]
    item.refresh_from_db()
    assert item.claimed_by == moderator


def test_decide(mod_client, item):
    response = mod_client.post(
        f"{ITEMS}{item.pk}/decide/",
        {"decision": "reject", "reason": "Off-topic"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "decided" and response.json()["decision"] == "reject"
    again = mod_client.post(
        f"{ITEMS}{item.pk}/decide/",
        {"decision": "publish", "reason": "Changed my mind"},
        content_type="application/json",
    )
    assert again.status_code == 409 and "already decided" in again.json()["detail"]


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"decision": "publish"}, "Give a reason"),
        ({"decision": "publish", "reason": "  "}, "Give a reason"),
        ({"decision": "approve", "reason": "x"}, "not a valid choice"),
        ({"decision": "request_changes", "reason": "x"}, "is not a decision for uploaded source"),
        ({"decision": "hide", "reason": "x"}, "choose “Publish” (publish) or “Reject” (reject)"),
    ],
)
def test_bad_decisions_change_nothing(mod_client, item, payload, message):
    response = mod_client.post(
        f"{ITEMS}{item.pk}/decide/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    item.refresh_from_db()
    assert item.status == "open" and not AuditLogEntry.objects.exists()


def test_publish_on_a_flag_is_a_400_that_says_keep(mod_client, settings):
    """Issue 19: "the API answers 400 for a decision the item's type does not offer
    (`publish` on a flag is refused: say `keep`)" — through HTTP, for a flag."""
    from apps.moderation.services import flag_create

    settings.MODERATION_FLAG_HIDE_SCORE = 100
    flag_create(flagger=UserFactory(), target=SourceFactory(), reason="spam")
    item = ReviewItem.objects.get(item_type="flag")
    refused = mod_client.post(
        f"{ITEMS}{item.pk}/decide/",
        {"decision": "publish", "reason": "Fine"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "(keep)" in refused.json()["detail"] and "(hide)" in refused.json()["detail"]
    item.refresh_from_db()
    assert item.status == "open" and not AuditLogEntry.objects.exists()
    kept = mod_client.post(
        f"{ITEMS}{item.pk}/decide/",
        {"decision": "keep", "reason": "Not spam"},
        content_type="application/json",
    )
    assert kept.status_code == 200 and kept.json()["decision"] == "keep"


def test_out_of_scope_decide_is_403(client, user):
    item = make_item(author=user, country="DE")
    client.force_login(make_moderator(countries=["FR"]))
    response = client.post(
        f"{ITEMS}{item.pk}/decide/",
        {"decision": "reject", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "outside the countries" in response.json()["detail"]
    item.refresh_from_db()
    assert item.status == "open"


def test_unknown_item_is_404(mod_client):
    assert mod_client.post(f"{ITEMS}999999/claim/").status_code == 404


# --- Flags ------------------------------------------------------------------------------


def flag(client, target_id, reason="spam", type_="source", text=""):
    return client.post(
        "/api/flags/",
        {"target": {"type": type_, "id": str(target_id)}, "reason": reason, "text": text},
        content_type="application/json",
    )


def test_flag_source(user_client, other_user):
    source = SourceFactory(added_by=other_user)
    response = flag(user_client, source.pk, text="Link farm")
    assert response.status_code == 201
    body = response.json()
    assert body["target"] == {"type": "source", "id": str(source.pk)} and body["status"] == "open"
    assert ReviewItem.objects.get().item_type == "flag"


@pytest.mark.parametrize(
    "target, message",
    [
        ({"type": "planet", "id": "1"}, "Unknown target type"),
        ({"type": "source", "id": "999999"}, "does not exist"),
        ({"type": "source", "id": "not-a-number"}, "does not exist"),
    ],
)
def test_flag_bad_target(user_client, target, message):
    response = user_client.post(
        "/api/flags/", {"target": target, "reason": "spam"}, content_type="application/json"
    )
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not Flag.objects.exists()


def test_flag_own_content_and_twice(user_client, user, other_user):
    own = SourceFactory(added_by=user)
    response = flag(user_client, own.pk)
    assert response.status_code == 400 and "your own content" in response.json()["detail"]
    theirs = SourceFactory(added_by=other_user)
    assert flag(user_client, theirs.pk).status_code == 201
    response = flag(user_client, theirs.pk, reason="duplicate")
    assert response.status_code == 400 and "already flagged" in response.json()["detail"]
    assert Flag.objects.count() == 1


def test_flag_anonymous_is_401(client):
    source = SourceFactory()
    response = flag(client, source.pk)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
    assert not Flag.objects.exists()


def test_flag_throttle_per_user(client, settings):
    settings.WRITE_RATES = {"flag": {"user": "2/hour"}}
    flagger = UserFactory()
    flagger.date_joined = flagger.date_joined.replace(year=2020)
    flagger.save()
    client.force_login(flagger)
    for _ in range(2):
        assert flag(client, SourceFactory().pk).status_code == 201
    response = flag(client, SourceFactory().pk)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Flag.objects.count() == 2


def test_flag_throttle_is_stricter_for_new_accounts(user_client, settings):
    settings.WRITE_RATES = {"flag": {"user": "100/hour", "new_user": "1/hour"}}
    assert flag(user_client, SourceFactory().pk).status_code == 201
    assert flag(user_client, SourceFactory().pk).status_code == 429


def test_flag_throttle_per_ip(client, settings):
    settings.WRITE_RATES = {"flag": {"new_user": "100/hour", "ip": "2/hour"}}
    for _ in range(3):
        client.force_login(UserFactory())
        response = flag(client, SourceFactory().pk)
    assert response.status_code == 429 and "Retry-After" in response
    assert Flag.objects.count() == 2


# --- Log --------------------------------------------------------------------------------


def test_log_api(mod_client, moderator, user, django_assert_max_num_queries):
    for index in range(5):
        audit_record(actor=moderator, action="hide", target=user, reason=f"r{index}")
    audit_record(actor=None, action="role_change", target=user, reason="auto")
    with django_assert_max_num_queries(6):
        response = mod_client.get("/api/moderation/log/")
    data = response.json()
    assert data["count"] == 6
    newest = data["results"][0]
    assert newest["actor"] is None and newest["action"] == "role_change"
    assert newest["target"]["id"] == str(user.pk) and newest["target"]["type"] == "user"
    filtered = mod_client.get(f"/api/moderation/log/?action=hide&actor={moderator.username}")
    assert filtered.json()["count"] == 5
    assert mod_client.get("/api/moderation/log/?since=yesterday").status_code == 400
