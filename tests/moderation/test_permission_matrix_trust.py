"""Every role × scope-bound and privacy-bound action, through HTTP (issue 12). Companion to
test_permission_matrix.py (queue, claim, decide, flag, log) and
test_permission_matrix_history.py (history, restore, merge).

Scope means scope: trust, pre-moderation and shadow-hiding apply everywhere, so only
global moderators and admins set them; a moderator scoped to France reads the log rows
about France only; taking a scoped moderator's last country away (admins only) removes
the role, never widening it. Private means private: a private note of ``author`` is
theirs alone; to everyone else, moderators and admins included, it does not exist.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.moderation import permissions
from apps.moderation.models import AuditLogEntry, UserModerationState
from apps.moderation.services import audit_record
from tests.factories import UserFactory

from .conftest import make_admin, make_moderator, make_trusted

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

LOGIN = "login"  # pages send anonymous visitors to sign in
DONE = "done"  # a change on the user page redirects back to it
SEEN, ABSENT = "seen", "absent"
MATRIX = {
    # role                           grant trusted, pre-moderate, shadow-hide, DE row, user row, remove own last country, private note: history, API
    "anonymous":                    (LOGIN, LOGIN, LOGIN, 401,    401,    LOGIN, LOGIN, 404),  # the API challenges: 401
    "contributor (author)":         (403,   403,   403,   403,    403,    403,   200,   200),
    "another contributor":          (403,   403,   403,   403,    403,    403,   404,   404),
    "trusted contributor":          (403,   403,   403,   403,    403,    403,   404,   404),
    "moderator (FR, in scope)":     (403,   403,   403,   ABSENT, ABSENT, 403,   404,   404),
    "moderator (DE, out of scope)": (403,   403,   403,   SEEN,   ABSENT, 403,   404,   404),
    "global moderator":             (DONE,  DONE,  DONE,  SEEN,   SEEN,   403,   404,   404),
    "admin":                        (DONE,  DONE,  DONE,  SEEN,   SEEN,   DONE,  404,   404),
}  # fmt: skip
ACTIONS = (
    "grant_trusted",
    "premoderate",
    "shadow_hide",
    "read_de_row",
    "read_user_row",
    "remove_last_country",
    "private_note_history",
    "private_note_api",
)
CELLS = [
    pytest.param(role, action, MATRIX[role][index], id=f"{role} × {action}")
    for role in ROLES
    for index, action in enumerate(ACTIONS)
]
MEASURES = {
    "grant_trusted": "grant_trusted",
    "premoderate": "premoderate_on",
    "shadow_hide": "shadow_hide_on",
}


def _world(author):
    """A French and a German log row, a row about a user (no country), a private note by
    ``author``, and a contributor to act on."""
    from apps.annotations.services import TextPositionSelector, annotation_create
    from apps.sources.starter import load_founding_paper

    source, _ = load_founding_paper()
    source.refresh_from_db()
    document = source.current_document
    start = document.text.index("social credit system")
    note = annotation_create(
        author=author, document=document, position=TextPositionSelector(start, start + 6),
        body="Only mine", visibility="private",
    )  # fmt: skip
    target = UserFactory(username="target")
    someone = make_moderator()
    audit_record(actor=someone, action="hide", target=None, country="FR", reason="French row")
    audit_record(actor=someone, action="hide", target=None, country="DE", reason="German row")
    audit_record(actor=someone, action="role_change", target=target, reason="About a user")
    return {"note": note, "target": target}


def _outcome(response):
    if response.status_code == 302:
        return LOGIN if "/accounts/login/" in response["Location"] else DONE
    return response.status_code


def _perform(client, action, actor, world):
    if action in MEASURES:
        url = reverse("moderation:user", args=["target"])
        return _outcome(client.post(url, {"action": MEASURES[action], "reason": "Checked"}))
    if action in ("read_de_row", "read_user_row"):
        response = client.get("/api/moderation/log/?format=json")
        if response.status_code != 200:
            return response.status_code
        reasons = {row["reason"] for row in response.json()["results"]}
        wanted = "German row" if action == "read_de_row" else "About a user"
        return SEEN if wanted in reasons else ABSENT
    if action == "remove_last_country":
        # The French moderator acts on themselves; everyone else on another French one.
        scoped = actor if permissions.moderator_countries(actor) == {"FR"} else None
        scoped = scoped or make_moderator(countries=["FR"], username="scoped")
        world["scoped"] = scoped
        url = reverse("moderation:user", args=[scoped.username])
        data = {"action": "remove_moderator_countries", "countries": ["FR"], "reason": "Left"}
        return _outcome(client.post(url, data))
    note = world["note"]
    if action == "private_note_history":
        return _outcome(client.get(f"/moderation/history/annotation/{note.pk}/"))
    return client.get(f"/api/annotations/{note.pk}/").status_code


@pytest.mark.django_db
@pytest.mark.parametrize("role, action, expected", CELLS)
def test_permission_matrix_trust(client, role, action, expected):
    author = UserFactory(username="author")
    world = _world(author)
    actor = ROLES[role](author)
    if actor is not None:
        client.force_login(actor)
    log_rows = AuditLogEntry.objects.count()

    assert _perform(client, action, actor, world) == expected

    target = world["target"]
    permissions.forget_roles(target)
    if action in MEASURES:
        state = UserModerationState.objects.filter(user=target).first()
        changed = {
            "grant_trusted": permissions.is_trusted(target),
            "premoderate": bool(state and state.premoderate_annotations),
            "shadow_hide": bool(state and state.shadow_hidden),
        }[action]
        assert changed == (expected == DONE)
        assert (AuditLogEntry.objects.count() > log_rows) == (expected == DONE)
    if action == "remove_last_country":
        scoped = world["scoped"]
        permissions.forget_roles(scoped)
        # Never widened to every country; removed only by an admin.
        assert not permissions.is_global_moderator(scoped)
        assert permissions.is_moderator(scoped) == (expected != DONE)
