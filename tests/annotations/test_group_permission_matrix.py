"""Roles × actions on a reading group, through HTTP (the matrix in docs/security.md,
"Reading groups"). Roles: anonymous, a brand-new account, a site moderator and a
superuser (neither in the group), a member, a group moderator, the owner. Each cell runs
on a fresh database (a parametrized test), and a refused write changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.annotations import services
from apps.annotations.models import Annotation, GroupLogEntry, GroupMembership, ReadingGroup
from tests.factories import UserFactory
from tests.moderation.conftest import make_admin, make_moderator

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "new account",
    "site moderator",
    "superuser",
    "member",
    "group moderator",
    "owner",
)


@pytest.fixture
def scene(make_annotation):
    owner, group_moderator, member, plain = (UserFactory() for _ in range(4))
    group = services.group_create(creator=owner, name="Matrix seminar")
    services.group_member_add(
        actor=owner, group=group, username=group_moderator.username, role="moderator"
    )
    services.group_member_add(actor=owner, group=group, username=member.username)
    services.group_member_add(actor=owner, group=group, username=plain.username)
    note = make_annotation(member, body="Matrix note", visibility="group", group=group)
    people = {
        "anonymous": None,
        "new account": UserFactory(),
        "site moderator": make_moderator(),
        "superuser": make_admin(),
        "member": member,
        "group moderator": group_moderator,
        "owner": owner,
    }
    return {"group": group, "note": note, "plain": plain, "people": people}


def _state(group) -> tuple:
    group.refresh_from_db()
    return (
        sorted(GroupMembership.objects.filter(group=group).values_list("user_id", "role")),
        group.invite_token,
        list(Annotation.objects.values_list("pk", "hidden")),
        GroupLogEntry.objects.count(),
    )


# (method, path, json body) → expected status per role, in ROLES order.
MATRIX = {
    "read the group": (("get", "/api/groups/{slug}/", None), (401, 404, 404, 404, 200, 200, 200)),
    "read its members": (
        ("get", "/api/groups/{slug}/members/", None),
        (401, 404, 404, 404, 200, 200, 200),
    ),
    "open its page": (("get", "/groups/{slug}/", None), (302, 404, 404, 404, 200, 200, 200)),
    "read its note": (
        ("get", "/api/annotations/{note}/", None),
        (404, 404, 404, 404, 200, 200, 200),
    ),
    "add a member": (
        ("post", "/api/groups/{slug}/members/", {"username": "{outsider}"}),
        (401, 404, 404, 404, 403, 403, 200),
    ),
    "remove a plain member": (
        ("delete", "/api/groups/{slug}/members/", {"username": "{plain}"}),
        (401, 404, 404, 404, 403, 204, 204),
    ),
    "make a new invite link": (
        ("post", "/api/groups/{slug}/invite/", None),
        (401, 404, 404, 404, 403, 403, 200),
    ),
    "hide its note": (
        ("post", "/api/annotations/{note}/hide/", None),
        (401, 404, 404, 404, 403, 200, 200),
    ),
    "join without the invite": (
        ("post", "/api/groups/{slug}/members/", {}),
        (401, 404, 404, 404, 200, 200, 200),
    ),
}


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_group_permission_matrix(scene, action, role):
    (method, path, body), expected_by_role = MATRIX[action]
    expected = expected_by_role[ROLES.index(role)]
    group, note, plain = scene["group"], scene["note"], scene["plain"]
    user = scene["people"][role]
    outsider = scene["people"]["new account"]
    values = {
        "slug": group.slug,
        "note": note.pk,
        "plain": plain.username,
        "outsider": outsider.username,
    }
    url = path.format(**values)
    data = {k: v.format(**values) for k, v in body.items()} if body is not None else None
    client = Client()
    if user is not None:
        client.force_login(user)
    before = _state(group)

    if method == "get":
        response = client.get(url)
    else:
        response = getattr(client, method)(url, data or {}, content_type="application/json")

    assert response.status_code == expected, (role, action, response.content[:300])
    if expected >= 400 and method != "get":
        assert _state(group) == before, (role, action)
    if method == "get" and expected >= 400:
        assert b"Matrix note" not in response.content
    assert ReadingGroup.objects.count() == 1
