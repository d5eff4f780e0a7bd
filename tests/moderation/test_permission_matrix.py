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
SIGN_IN = 401  # the API challenges them (WWW-Authenticate: Token)
# role                           queue page, queue API, claim, decide, flag, log page, log API
MATRIX = {
    "anonymous":                    (LOGIN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, LOGIN, SIGN_IN),
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
    if expected in (302, 401, 403) and action in ("claim", "decide"):
        assert ReviewItem.objects.get(pk=item.pk).status == "open"


# --- Content targets: entries, annotations, comments -----------------------------------------
#
# The same roles × (view the unpublished content, flag it, decide its queue item), through
# the content's own pages and API and through the moderation API. The entry is about France
# (in scope for "moderator (FR)"); annotations belong to no country, so only global
# moderators and admins decide them (any moderator sees them). "view" on an entry is its
# page while submitted; on an annotation, the API detail while it awaits approval (its
# author is under pre-moderation); on a comment, whether the comment API shows a comment a
# moderator hid (SEEN) or not (ABSENT); the public entry page shows it to nobody.
SEEN, ABSENT = "seen", "absent"
CONTENT_MATRIX = {
    # role                           entry: view, flag, decide   annotation: view, flag, decide   comment: view, flag, decide
    "anonymous":                    ((404, 401, 401),            (404, 401, 401),                 (ABSENT, 401, 401)),
    "contributor (author)":         ((200, 400, 403),            (200, 400, 403),                 (SEEN,   400, 403)),
    "another contributor":          ((404, 201, 403),            (404, 201, 403),                 (ABSENT, 201, 403)),
    "trusted contributor":          ((404, 201, 403),            (404, 201, 403),                 (ABSENT, 201, 403)),
    "moderator (FR, in scope)":     ((200, 201, 200),            (200, 201, 403),                 (SEEN,   201, 200)),
    "moderator (DE, out of scope)": ((404, 201, 403),            (200, 201, 403),                 (SEEN,   201, 403)),
    "global moderator":             ((200, 201, 200),            (200, 201, 200),                 (SEEN,   201, 200)),
    "admin":                        ((200, 201, 200),            (200, 201, 200),                 (SEEN,   201, 200)),
}  # fmt: skip
TARGETS = ("entry", "annotation", "comment")
CONTENT_ACTIONS = ("view", "flag", "decide")
CONTENT_CELLS = [
    pytest.param(role, target, action, CONTENT_MATRIX[role][t][a], id=f"{role} × {target} {action}")
    for role in ROLES
    for t, target in enumerate(TARGETS)
    for a, action in enumerate(CONTENT_ACTIONS)
]


def _content(author, run_on_commit):
    """The content under test, written by ``author``: a submitted French entry (and its
    queue item), a published one with a comment, a pre-moderated and a public annotation,
    a flag item on the comment."""
    from apps.annotations.services import TextPositionSelector, annotation_create
    from apps.atlas.discussion.services import comment_create
    from apps.atlas.entries.services import example_create
    from apps.atlas.entries.transitions import example_transition
    from apps.moderation.services import review_item_open, user_set_premoderation
    from apps.sources.models import Source
    from tests.atlas.conftest import evidence_data, example_data

    global_moderator = make_moderator()
    with run_on_commit():
        submitted = example_create(
            author=author, data=example_data(country="FR"), evidence=[evidence_data()], submit=True
        )
        published = example_create(
            author=author,
            data=example_data(country="FR", title="Published"),
            evidence=[evidence_data()],
            submit=True,
        )
    example_transition(actor=global_moderator, example=published, to="published")
    comment = comment_create(author=author, example=published, body="A remark")
    comment_item = review_item_open(item_type="flag", target=comment)
    from apps.atlas.discussion.services import comment_set_hidden

    hidden_comment = comment_create(author=author, example=published, body="Hidden remark")
    comment_set_hidden(moderator=global_moderator, comment=hidden_comment, hidden=True)

    document = Source.objects.get(slug="wong-2021-social-credit").current_document
    quote = "social credit system"
    start = document.text.index(quote)
    public_note = annotation_create(
        author=author, document=document, position=TextPositionSelector(start, start + 6),
        body="Public",
    )  # fmt: skip
    user_set_premoderation(actor=global_moderator, user=author, enabled=True, reason="Test")
    with run_on_commit():
        pending = annotation_create(
            author=author, document=document,
            position=TextPositionSelector(start, start + len(quote)), body="Pending",
        )  # fmt: skip
    return {
        "submitted": submitted,
        "published": published,
        "comment": comment,
        "hidden_comment": hidden_comment,
        "comment_item": comment_item,
        "public_note": public_note,
        "pending": pending,
    }


def _item(target, item_type):
    from django.contrib.contenttypes.models import ContentType

    return ReviewItem.objects.get(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        item_type=item_type,
        status="open",
    )


def _perform_on_content(client, target, action, content):
    import json

    if action == "view":
        if target == "entry":
            return client.get(content["submitted"].get_absolute_url()).status_code
        if target == "annotation":
            return client.get(f"/api/annotations/{content['pending'].pk}/").status_code
        # The entry page is public (the same for everyone: a hidden comment shows to
        # nobody there); who may still read it is answered by the private API.
        html = client.get(content["published"].get_absolute_url()).content.decode()
        assert "Hidden remark" not in html
        response = client.get(f"/api/examples/{content['published'].pk}/comments/")
        return SEEN if "Hidden remark" in response.content.decode() else ABSENT
    if action == "flag":
        target_id = {
            "entry": content["published"].pk,
            "annotation": content["public_note"].pk,
            "comment": content["comment"].pk,
        }[target]
        return client.post(
            "/api/flags/",
            json.dumps({"target": {"type": target, "id": str(target_id)}, "reason": "spam"}),
            content_type="application/json",
        ).status_code
    item = {
        "entry": lambda: _item(content["submitted"], "submitted_entry"),
        "annotation": lambda: _item(content["pending"], "pending_annotation"),
        "comment": lambda: content["comment_item"],
    }[target]()
    return client.post(
        f"/api/moderation/items/{item.pk}/decide/",
        {"decision": "hide" if target == "comment" else "publish", "reason": "Checked"},
        content_type="application/json",
    ).status_code


@pytest.mark.django_db
@pytest.mark.parametrize("role, target, action, expected", CONTENT_CELLS)
def test_content_permission_matrix(
    client, founding_paper, run_on_commit, role, target, action, expected
):
    author = UserFactory(username="author")
    content = _content(author, run_on_commit)
    actor = ROLES[role](author)
    if actor is not None:
        client.force_login(actor)

    assert _perform_on_content(client, target, action, content) == expected

    content["submitted"].refresh_from_db()
    content["pending"].refresh_from_db()
    content["comment"].refresh_from_db()
    if action == "decide":
        decided = expected == 200
        if target == "entry":
            assert (content["submitted"].status == "published") == decided
        elif target == "annotation":
            assert content["pending"].awaiting_approval != decided
        else:
            assert content["comment"].hidden == decided
    if action == "flag":
        assert Flag.objects.exists() == (expected == 201)
