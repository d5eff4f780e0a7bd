"""Reading groups: who may create, join, add, remove, leave and rotate the invite link,
through the services, the API and the pages (issue 14). Bad input is a 4xx with a clear
message and nothing stored. Who may *see* a group's notes: test_group_privacy.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from apps.annotations import services
from apps.annotations.models import GroupLogEntry, GroupMembership, ReadingGroup
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def group(owner):
    return services.group_create(
        creator=owner, name="Scoring seminar", description="Weekly, Tuesdays."
    )


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _roles(group) -> dict[str, str]:
    return dict(GroupMembership.objects.filter(group=group).values_list("user__username", "role"))


# --- Services ----------------------------------------------------------------------------------


def test_the_creator_owns_a_new_invite_only_group(owner, group):
    assert (group.slug, group.access) == ("scoring-seminar", "invite")
    assert _roles(group) == {owner.username: "owner"}
    assert len(group.invite_token) >= 40
    again = services.group_create(creator=owner, name="Scoring seminar")
    assert again.slug == "scoring-seminar-2" and again.invite_token != group.invite_token


@pytest.mark.parametrize(
    "name, field",
    [("", "name"), ("   ", "name"), ("x" * 81, "name"), (None, "name")],
)
def test_bad_names_store_nothing(owner, name, field):
    with pytest.raises(ValidationError) as caught:
        services.group_create(creator=owner, name=name)
    assert field in caught.value.message_dict
    assert not ReadingGroup.objects.exists() and not GroupMembership.objects.exists()


def test_bad_access_and_anonymous_creators_store_nothing(owner):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValidationError):
        services.group_create(creator=owner, name="G", access="everyone")
    with pytest.raises(PermissionDenied):
        services.group_create(creator=AnonymousUser(), name="G")
    assert not ReadingGroup.objects.exists()


def test_joining_needs_the_current_invite_unless_the_group_is_open(owner, group):
    newcomer = UserFactory()
    with pytest.raises(ValidationError):
        services.group_join(user=newcomer, group=group)
    with pytest.raises(ValidationError):
        services.group_join(user=newcomer, group=group, invite="guess")
    old_token = group.invite_token
    services.group_invite_rotate(actor=owner, group=group)
    group.refresh_from_db()
    with pytest.raises(ValidationError):
        services.group_join(user=newcomer, group=group, invite=old_token)
    assert newcomer.username not in _roles(group)
    services.group_join(user=newcomer, group=group, invite=group.invite_token)
    services.group_join(user=newcomer, group=group, invite=group.invite_token)  # no-op
    assert _roles(group)[newcomer.username] == "member"

    open_group = services.group_create(creator=owner, name="Open reading", access="open")
    services.group_join(user=newcomer, group=open_group)
    assert _roles(open_group)[newcomer.username] == "member"


def test_only_owners_add_members_and_change_roles(owner, group):
    member, other = UserFactory(), UserFactory()
    services.group_member_add(actor=owner, group=group, username=member.username)
    with pytest.raises(PermissionDenied):
        services.group_member_add(actor=member, group=group, username=other.username)
    with pytest.raises(ValidationError):
        services.group_member_add(actor=owner, group=group, username="nobody-here")
    with pytest.raises(ValidationError):
        services.group_member_add(actor=owner, group=group, username=other.username, role="king")
    services.group_member_add(actor=owner, group=group, username=member.username, role="moderator")
    assert _roles(group) == {owner.username: "owner", member.username: "moderator"}
    # The last owner cannot step down or leave while others remain.
    with pytest.raises(ValidationError):
        services.group_member_add(actor=owner, group=group, username=owner.username, role="member")
    with pytest.raises(ValidationError):
        services.group_leave(user=owner, group=group)
    assert list(GroupLogEntry.objects.values_list("action", flat=True)) == ["role", "add"]


def test_who_removes_whom(owner, group):
    moderator, member, another = UserFactory(), UserFactory(), UserFactory()
    services.group_member_add(
        actor=owner, group=group, username=moderator.username, role="moderator"
    )
    for user in (member, another):
        services.group_member_add(actor=owner, group=group, username=user.username)
    stranger = UserFactory()

    with pytest.raises(PermissionDenied):
        services.group_member_remove(actor=member, group=group, username=another.username)
    with pytest.raises(PermissionDenied):
        services.group_member_remove(actor=moderator, group=group, username=owner.username)
    with pytest.raises(PermissionDenied):
        services.group_member_remove(actor=stranger, group=group, username=member.username)
    services.group_member_remove(actor=moderator, group=group, username=member.username)
    services.group_member_remove(actor=owner, group=group, username=moderator.username)
    services.group_leave(user=another, group=group)
    assert _roles(group) == {owner.username: "owner"}
    # Alone, the owner may leave (the group stays, without members).
    services.group_leave(user=owner, group=group)
    assert _roles(group) == {}


def test_only_owners_rotate_the_invite(owner, group):
    member = UserFactory()
    services.group_join(user=member, group=group, invite=group.invite_token)
    token = group.invite_token
    with pytest.raises(PermissionDenied):
        services.group_invite_rotate(actor=member, group=group)
    group.refresh_from_db()
    assert group.invite_token == token


# --- API -----------------------------------------------------------------------------------------


def test_api_create_list_detail(owner, group, django_assert_max_num_queries):
    client = _client(owner)
    response = client.post(
        "/api/groups/",
        {"name": "Second group", "description": "d", "access": "open"},
        content_type="application/json",
    )
    assert response.status_code == 201
    created = response.json()
    assert (created["slug"], created["role"], created["access"]) == (
        "second-group",
        "owner",
        "open",
    )
    assert created["members"] == [
        {"username": owner.username, "name": owner.public_name, "role": "owner"}
    ]
    assert "/groups/second-group/join/" in created["invite_url"]
    with django_assert_max_num_queries(6):
        listed = client.get("/api/groups/").json()
    assert [g["slug"] for g in listed] == ["scoring-seminar", "second-group"]
    for _ in range(4):  # more members cost no more queries
        services.group_member_add(actor=owner, group=group, username=UserFactory().username)
    with django_assert_max_num_queries(8):
        detail = client.get(f"/api/groups/{group.slug}/").json()
    assert len(detail["members"]) == 5
    with django_assert_max_num_queries(7):
        assert len(client.get(f"/api/groups/{group.slug}/members/").json()) == 5
    assert listed[0]["member_count"] == 1
    assert client.get("/api/groups/").headers["Cache-Control"].startswith("private")


@pytest.mark.parametrize(
    "payload",
    [{}, {"name": ""}, {"name": "x" * 300}, {"name": "ok", "access": "world"}, {"name": "a\x00b"}],
)
def test_api_bad_input_is_a_400_and_stores_nothing(owner, payload):
    response = _client(owner).post("/api/groups/", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not ReadingGroup.objects.exists()


def test_api_outsiders_get_404_and_members_no_invite(owner, group):
    member, stranger = UserFactory(), UserFactory()
    services.group_join(user=member, group=group, invite=group.invite_token)
    for url in (
        f"/api/groups/{group.slug}/",
        f"/api/groups/{group.slug}/members/",
        "/api/groups/no-such-group/",
    ):
        assert _client(stranger).get(url).status_code == 404, url
        assert _client(make_moderator()).get(url).status_code == 404, url
    assert _client(None).get(f"/api/groups/{group.slug}/").status_code == 401
    seen = _client(member).get(f"/api/groups/{group.slug}/").json()
    assert seen["role"] == "member" and seen["invite_url"] is None
    assert len(seen["members"]) == 2
    # With the invite token, an outsider sees the outside only.
    outside = (
        _client(stranger).get(f"/api/groups/{group.slug}/", {"invite": group.invite_token}).json()
    )
    assert (outside["members"], outside["role"], outside["invite_url"]) == (None, None, None)
    assert _client(stranger).post(f"/api/groups/{group.slug}/invite/").status_code == 404
    assert _client(member).post(f"/api/groups/{group.slug}/invite/").status_code == 403


def test_api_members_join_add_remove(owner, group):
    newcomer, added = UserFactory(), UserFactory()
    url = f"/api/groups/{group.slug}/members/"
    refused = _client(newcomer).post(url, {"invite": "wrong"}, content_type="application/json")
    assert refused.status_code == 404  # a wrong token does not even show the group
    joined = _client(newcomer).post(
        url, {"invite": group.invite_token}, content_type="application/json"
    )
    assert joined.status_code == 200 and joined.json()["role"] == "member"
    assert (
        _client(newcomer)
        .post(url, {"username": added.username}, content_type="application/json")
        .status_code
        == 403
    )
    response = _client(owner).post(
        url, {"username": added.username, "role": "moderator"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert _roles(group)[added.username] == "moderator"
    assert (
        _client(owner)
        .post(url, {"username": "x" * 2000}, content_type="application/json")
        .status_code
        == 400
    )
    removed = _client(added).delete(
        url, {"username": newcomer.username}, content_type="application/json"
    )
    assert removed.status_code == 204
    left = _client(added).delete(f"{url}?username={added.username}")
    assert left.status_code == 204
    assert _roles(group) == {owner.username: "owner"}
    assert _client(owner).delete(url, {}, content_type="application/json").status_code == 400


def test_api_rotate_invite(owner, group):
    old = group.invite_token
    response = _client(owner).post(f"/api/groups/{group.slug}/invite/")
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.invite_token != old and group.invite_token in response.json()["invite_url"]


def test_annotating_for_a_group_through_the_api(owner, group, founding_paper):
    document = founding_paper.current_document
    start = document.text.index("Sesame Credit")
    payload = {
        "source": founding_paper.slug,
        "target": {
            "selector": [{"type": "TextPositionSelector", "start": start, "end": start + 13}]
        },
        "body": "For the seminar",
        "visibility": "group",
        "group": group.slug,
    }
    stranger = UserFactory()
    refused = _client(stranger).post("/api/annotations/", payload, content_type="application/json")
    assert refused.status_code == 400 and "group" in refused.json()["errors"]
    missing = _client(owner).post(
        "/api/annotations/", {**payload, "group": ""}, content_type="application/json"
    )
    assert missing.status_code == 400
    created = _client(owner).post("/api/annotations/", payload, content_type="application/json")
    assert created.status_code == 201
    assert (created.json()["visibility"], created.json()["group"]) == ("group", group.slug)
    from apps.annotations.models import Annotation

    assert Annotation.objects.count() == 1


# --- Pages -----------------------------------------------------------------------------------------


def test_group_pages(owner, group, django_assert_max_num_queries):
    member, stranger = UserFactory(), UserFactory()
    services.group_join(user=member, group=group, invite=group.invite_token)
    for _ in range(5):  # more members, notes and log rows cost no more queries
        services.group_member_add(actor=owner, group=group, username=UserFactory().username)
    # Sign-in and session reads included (about 10 of them).
    with django_assert_max_num_queries(28):
        page = _client(owner).get(f"/groups/{group.slug}/")
    html = page.content.decode()
    assert page.status_code == 200 and "private" in page.headers["Cache-Control"]
    assert group.invite_token in html and member.username in html
    member_html = _client(member).get(f"/groups/{group.slug}/").content.decode()
    assert group.invite_token not in member_html and "Group log" not in member_html
    assert _client(stranger).get(f"/groups/{group.slug}/").status_code == 404
    assert _client(None).get(f"/groups/{group.slug}/").status_code == 302
    with django_assert_max_num_queries(22):  # the same fixed cost as the group page
        listing = _client(owner).get("/groups/")
    assert group.name in listing.content.decode()


def test_the_invite_link_page_joins_on_post_only(owner, group):
    stranger = UserFactory()
    link = f"/groups/{group.slug}/join/{group.invite_token}/"
    client = _client(stranger)
    assert client.get(link).status_code == 200
    assert stranger.username not in _roles(group)  # a GET changes nothing
    assert client.post(link).status_code == 302
    assert _roles(group)[stranger.username] == "member"
    services.group_invite_rotate(actor=owner, group=group)
    late = UserFactory()
    assert _client(late).get(link).status_code == 404


def test_page_forms_refuse_bad_input_without_storing(owner, group):
    client = _client(owner)
    assert client.post("/groups/", {"name": "", "access": "invite"}).status_code == 400
    assert client.post("/groups/", {"name": "x" * 2048, "access": "invite"}).status_code == 400
    assert ReadingGroup.objects.count() == 1
    bad = client.post(f"/groups/{group.slug}/", {"action": "add", "username": "<script>"})
    assert bad.status_code == 400
    assert client.post(f"/groups/{group.slug}/", {"action": "explode"}).status_code == 400
    created = client.post("/groups/", {"name": "Another", "access": "open"})
    assert created.status_code == 302 and ReadingGroup.objects.count() == 2


def test_open_groups_show_their_outside_and_a_join_button(owner):
    open_group = services.group_create(creator=owner, name="Open reading", access="open")
    stranger = UserFactory()
    html = _client(stranger).get(f"/groups/{open_group.slug}/").content.decode()
    assert "Join the group" in html and owner.username not in html
    assert (
        _client(stranger).post(f"/groups/{open_group.slug}/", {"action": "join"}).status_code == 302
    )
    assert _roles(open_group)[stranger.username] == "member"
