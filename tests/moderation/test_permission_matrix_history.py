"""Every role × history, restore and merge (within and across country scopes, and its
preview), through HTTP (the API, and the history page of a private draft). The entries are about France (FR) and were written by ``author``;
"moderator (FR)" is in scope, "moderator (DE)" is not. Companion to
test_permission_matrix.py (queue, claim, decide, flag, log)."""

from __future__ import annotations

import pytest

from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.models import Example, ExampleMerge
from apps.moderation.models import AuditLogEntry
from tests.atlas.conftest import evidence_data, example_data
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

# "merge across": the French duplicate into a German entry (both entries must be in the
# moderator's scope); "merge preview": the side-by-side comparison (GET).
# role                           draft history, restore, merge, merge across, merge preview
MATRIX = {
    "anonymous":                    (404, 401, 401, 401, 401),  # the API challenges: 401
    "contributor (author)":         (200, 403, 403, 403, 403),
    "another contributor":          (404, 403, 403, 403, 403),
    "trusted contributor":          (404, 403, 403, 403, 403),
    "moderator (FR, in scope)":     (200, 200, 201, 403, 200),
    "moderator (DE, out of scope)": (404, 403, 403, 403, 403),
    "global moderator":             (200, 200, 201, 201, 200),
    "admin":                        (200, 200, 201, 201, 200),
}  # fmt: skip
ACTIONS = ("draft_history", "restore", "merge", "merge_across", "merge_preview")

CELLS = [
    pytest.param(role, action, MATRIX[role][index], id=f"{role} × {action}")
    for role in ROLES
    for index, action in enumerate(ACTIONS)
]


def _entry(author, title, *, publish=True, country="FR"):
    example = entry_services.example_create(
        author=author,
        data=example_data(title=title, country=country),
        evidence=[evidence_data(title=title, url=f"https://example.org/{len(title)}")],
        submit=publish,
        confirm_distinct=True,  # the duplicate to merge is made on purpose
    )
    if publish:
        moderator = make_moderator()
        example = transitions.example_transition(actor=moderator, example=example, to="published")
        # A second version (a moderator's edit of a published entry goes live at once).
        entry_services.example_update(actor=moderator, example=example, changes={"region": "Lyon"})
    return Example.objects.get(pk=example.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("role, action, expected", CELLS)
def test_permission_matrix_history(client, role, action, expected):
    author = UserFactory(username="author")
    target = _entry(author, "French scoring")
    duplicate = _entry(author, "French scoring again")
    draft = _entry(author, "A private draft", publish=False)
    actor = ROLES[role](author)
    if actor is not None:
        client.force_login(actor)

    if action == "draft_history":
        response = client.get(f"/atlas/examples/{draft.pk}/{draft.slug}/history/")
    elif action == "restore":
        first = target.history.order_by("history_date", "history_id").first()
        response = client.post(
            f"/api/examples/{target.pk}/restore/",
            {"history_id": first.history_id, "reason": "Back to the start"},
            content_type="application/json",
        )
    elif action == "merge_preview":
        response = client.get(f"/api/examples/{duplicate.pk}/merge/", {"into": target.pk})
    else:
        if action == "merge_across":
            target = _entry(author, "German scoring", country="DE")
        response = client.post(
            f"/api/examples/{duplicate.pk}/merge/",
            # The titles (and, across, the countries) differ: the merge says which to keep.
            {
                "into": target.pk,
                "reason": "Same system",
                "fields": {"title": "target", "country": "target"},
            },
            content_type="application/json",
        )

    assert response.status_code == expected, response.content[:300]
    if action == "restore":
        assert (Example.objects.get(pk=target.pk).region == "") == (expected == 200)
        assert AuditLogEntry.objects.filter(action="restore").exists() == (expected == 200)
    if action in ("merge", "merge_across", "merge_preview"):
        assert ExampleMerge.objects.exists() == (expected == 201)
        assert (Example.objects.get(pk=duplicate.pk).status == "merged") == (expected == 201)
