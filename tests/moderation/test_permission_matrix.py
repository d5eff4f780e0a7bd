"""Every role × every moderation action, through HTTP (pages and API).

The table is the specification: one row per role, one column per action, each cell the
status code the role must get. The item under test is about France (FR) and was
written by ``author``; "moderator (FR)" is in scope, "moderator (DE)" is not.
"""

from __future__ import annotations

import pytest

from apps.moderation.models import Flag, ReviewItem
from tests.factories import SourceFactory, UserFactory

from .conftest import make_admin, make_item, make_moderator, make_trusted

ROLES = {
    "anonymous": lambda author: None,
    "contributor (author)": lambda author: author,
    "another contributor": lambda author: UserFactory(),
    "trusted contributor": lambda author: make_trusted(),
    "moderator (FR, in scope)": lambda author: make_moderator(countries=["FR"]),
    "moderator (DE, out of scope)": lambda author: make_moderator(countries=["DE"]),
    "global moderator": lambda author: make_moderator(),
    "admin": lambda author: make_admin(),
}

LOGIN = 302  # pages send anonymous visitors to sign in
# role                           queue page, queue API, claim, decide, flag, log page, log API
MATRIX = {
    "anonymous":                    (LOGIN, 403, 403, 403, 403, LOGIN, 403),
    "contributor (author)":         (403,   403, 403, 403, 400, 403,   403),
    "another contributor":          (403,   403, 403, 403, 201, 403,   403),
    "trusted contributor":          (403,   403, 403, 403, 201, 403,   403),
    "moderator (FR, in scope)":     (200,   200, 200, 200, 201, 200,   200),
    "moderator (DE, out of scope)": (200,   200, 403, 403, 201, 200,   200),
    "global moderator":             (200,   200, 200, 200, 201, 200,   200),
    "admin":                        (200,   200, 200, 200, 201, 200,   200),
}  # fmt: skip
ACTIONS = ("queue_page", "queue_api", "claim", "decide", "flag", "log_page", "log_api")

CELLS = [
    pytest.param(role, action, MATRIX[role][index], id=f"{role} × {action}")
    for role in ROLES
    for index, action in enumerate(ACTIONS)
]


def _perform(client, action, item, source):
    if action == "queue_page":
        return client.get("/moderation/")
    if action == "queue_api":
        return client.get("/api/moderation/items/")
    if action == "claim":
        return client.post(f"/api/moderation/items/{item.pk}/claim/")
    if action == "decide":
        return client.post(
            f"/api/moderation/items/{item.pk}/decide/",
            {"decision": "publish", "reason": "Checked the sources"},
            content_type="application/json",
        )
    if action == "flag":
        return client.post(
            "/api/flags/",
            {"target": {"type": "source", "id": str(source.pk)}, "reason": "inaccurate"},
            content_type="application/json",
        )
    if action == "log_page":
        return client.get("/moderation/log/")
    if action == "log_api":
        return client.get("/api/moderation/log/")
    raise AssertionError(action)


@pytest.mark.django_db
@pytest.mark.parametrize("role, action, expected", CELLS)
def test_permission_matrix(client, role, action, expected):
    author = UserFactory(username="author")
    source = SourceFactory(added_by=author, title="Report on provincial scores")
    item = make_item(author=author, country="FR", target=source)
    actor = ROLES[role](author)
    if actor is not None:
        client.force_login(actor)

    response = _perform(client, action, item, source)

    assert response.status_code == expected, response.content[:300]
    item.refresh_from_db()
    if action == "claim":
        assert (item.claimed_by_id is not None) == (expected == 200)
    if action == "decide":
        assert (item.status == "decided") == (expected == 200)
    if action == "flag":
        assert Flag.objects.exists() == (expected == 201)
    if action in ("queue_page", "queue_api") and expected == 200:
        # Out-of-scope moderators see the queue, but not this item.
        visible = str(source.title) in response.content.decode()
        assert visible == (role != "moderator (DE, out of scope)")
    if expected in (302, 403) and action in ("claim", "decide"):
        assert ReviewItem.objects.get(pk=item.pk).status == "open"
